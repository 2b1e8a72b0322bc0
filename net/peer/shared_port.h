// Sockets that share a listening port. Hole punching (docs/protocol.md
// "Hole punching") probes and dials out from the port a round listens on,
// so that a NAT that keeps ports maps them all to one public endpoint: the
// listener and every socket dialing from its port carry SO_REUSEPORT (Linux
// lets sockets of one user share a port only when all of them set it).
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

// A TCP socket bound to `address` with SO_REUSEADDR and SO_REUSEPORT.
// Fails with kBusy when the port is taken by a socket that does not share.
Result<UvHandle<uv_tcp_t>> BindSharedPort(EventLoop& loop, const sockaddr_storage& address);

// Whether a socket that does not share could bind `address` now: a port
// another program (or another daemon) listens on is in use, even though
// BindSharedPort would join it when that program also shares.
bool PortAvailable(const sockaddr_storage& address);

// The any-address of `family` (AF_INET or AF_INET6) with `port`.
sockaddr_storage AnyAddress(int family, int port);

}  // namespace shoal::net
