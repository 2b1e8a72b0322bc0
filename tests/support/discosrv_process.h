// DiscosrvProcess: a real Syncthing discovery server (Debian's
// syncthing-discosrv, `stdiscosrv`) for rendezvous tests, on 127.0.0.1 or on
// an address inside a network namespace. Its certificate is an Ed25519 one
// made for the test; Url() pins it by ID as a user would.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/base/result.h"
#include "net/reach/rendezvous_identity.h"

namespace shoal::testing {

struct DiscosrvOptions {
  std::string netns;                  // empty: this namespace
  std::string address = "127.0.0.1";  // where it listens
  int port = 0;                       // 0: a free one (this namespace only)
  std::string dir;                    // certificate, database, log (must exist)
};

class DiscosrvProcess {
 public:
  // kNotFound when stdiscosrv is not installed (the caller skips).
  static Result<std::unique_ptr<DiscosrvProcess>> Start(DiscosrvOptions options);
  ~DiscosrvProcess();

  // "https://ADDRESS:PORT/?id=SERVER-ID".
  std::string Url() const;
  const net::RendezvousId& id() const { return identity_.id; }
  std::string log() const;

 private:
  explicit DiscosrvProcess(DiscosrvOptions options) : options_(std::move(options)) {}
  DiscosrvOptions options_;
  net::RendezvousIdentity identity_;
  pid_t pid_ = -1;
};

}  // namespace shoal::testing
