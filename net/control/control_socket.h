// The control socket's file (DESIGN.md "Daemon and control"): a Unix stream
// socket only its user can open. BindControlSocket() refuses to start a
// second daemon: if something answers on `path` it fails with kBusy; a
// socket file nobody answers on (left by a crashed daemon) is replaced; any
// other kind of file at `path` is left alone and is an error. The socket is
// created with mode 0600 (fchmod before bind, chmod after, then verified).
//
// Starting two daemons on one home at the same instant can still race
// between the probe and bind(); the daemon's home lock is what excludes that.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/base/result.h"
#include "core/base/scoped_fd.h"

namespace shoal::net {

struct BoundControlSocket {
  ScopedFd fd;       // listening, non-blocking, close-on-exec
  dev_t device = 0;  // the socket file's identity, so that Close() removes
  ino_t inode = 0;   // only our own file, never a successor's
};

Result<BoundControlSocket> BindControlSocket(const std::string& path, int backlog = 16);

// Removes `path` if it is still the file `bound` created.
void RemoveControlSocket(const std::string& path, dev_t device, ino_t inode);

// A connected, blocking client socket; kNotFound when nothing listens.
Result<ScopedFd> ConnectControlSocket(const std::string& path);

}  // namespace shoal::net
