// GuiGuard: who may use the web interface (docs/security.md "Web
// interface"). Pure policy, no sockets, so each rule has a unit test:
//
//   - login: the token from <home>/gui-token (or the --gui-password) buys a
//     session, a random 256-bit cookie value; the cookie is HttpOnly,
//     SameSite=Strict, and named after the port, so two daemons on one
//     machine keep their sessions apart in one browser;
//   - the Host header must name the server as this machine knows it when it
//     listens on loopback (a DNS-rebinding page's Host is its own name);
//   - a state-changing request (POST) must carry an Origin equal to
//     http://<Host> (a cross-site form or fetch carries its own origin);
//   - every response carries the headers of SecurityHeaders(), and none of
//     CORS.
//
// Secrets (the token, the password, session values) are compared in
// constant time and never logged. Sessions live in memory: a restarted
// daemon forgets them. Thread: the loop's.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "net/http/http_server.h"

namespace shoal::cli {

struct GuiGuardConfig {
  bool loopback = true;  // listening on a loopback address only
  std::uint16_t port = 0;
  std::string listen_host;  // as in a URL ("127.0.0.2", "[::1]"); also a good Host
  std::string token;        // from <home>/gui-token
  std::string password;     // --gui-password; "" = none
};

class GuiGuard {
 public:
  explicit GuiGuard(GuiGuardConfig config) : config_(std::move(config)) {}

  bool HostAllowed(std::string_view host) const;
  // For POST: the Origin header names this server, as the Host does.
  static bool OriginAllowed(std::string_view origin, std::string_view host);
  // A login with {"token"} or {"password"}: a new session's Set-Cookie
  // value, or nothing when the secret is wrong.
  std::optional<std::string> Login(std::string_view token, std::string_view password);
  bool HasSession(std::string_view cookie_header) const;
  void Logout(std::string_view cookie_header);
  std::string cookie_name() const { return "shoal-session-" + std::to_string(config_.port); }
  static net::HttpHeaders SecurityHeaders();

 private:
  std::optional<std::string> SessionIn(std::string_view cookie_header) const;

  GuiGuardConfig config_;
  std::set<std::string> sessions_;  // BLAKE2b of each session's cookie value, hex
};

// Equal in constant time for equal lengths (libsodium).
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace shoal::cli
