// CoturnProcess: a real TURN server (Debian's coturn, `turnserver`) for
// tests, on an address the test chooses: 127.0.0.1 for unit tests, or an
// address inside a network namespace (tests/support/internet_testbed.h).
// TCP only (no UDP relaying, TLS, DTLS or CLI); shared-secret credentials
// ("REST API") with the realm "shoal.test", unless a static user is given.
//
// The server runs in the foreground as a child; the destructor kills it
// through its pidfile and waits. Start() waits until its port accepts.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/base/result.h"

namespace shoal::testing {

struct CoturnOptions {
  std::string netns;                  // empty: this namespace
  std::string address = "127.0.0.1";  // listening and relay address
  int port = 0;                       // 0: a free one (this namespace only)
  std::string secret = "test-secret";
  std::string static_user;  // "user:password" instead of the shared secret
  int min_port = 50000;     // relayed ports
  int max_port = 50100;
  int stale_nonce_s = 0;  // 0: coturn's default
  bool allow_loopback_peers = true;
  std::string dir;  // for its log, pidfile and user db (must exist)
};

class CoturnProcess {
 public:
  // kNotFound when `turnserver` is not installed (the caller skips).
  static Result<std::unique_ptr<CoturnProcess>> Start(CoturnOptions options);
  ~CoturnProcess();
  void Stop();  // kill and wait; Start() again with Restart()
  Result<void> Restart();

  int port() const { return options_.port; }
  // "turn://shoal:SECRET@ADDRESS:PORT".
  std::string Url(const std::string& user = "shoal") const;
  std::string log() const;

 private:
  explicit CoturnProcess(CoturnOptions options) : options_(std::move(options)) {}
  Result<void> Launch();
  CoturnOptions options_;
  pid_t pid_ = -1;
};

}  // namespace shoal::testing
