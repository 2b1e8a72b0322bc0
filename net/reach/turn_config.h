// TurnServer: a relay the user configured, from its URL
//
//   turn://USER:SECRET@HOST:PORT
//
// SECRET is coturn's shared secret (`use-auth-secret`, the "TURN REST API"
// scheme) unless the server is marked static, when it is USER's password.
// With a shared secret every allocation gets fresh time-limited
// credentials: username "<expiry unix time>:USER", password
// base64(HMAC-SHA1(SECRET, username)).
//
// The URL holds a secret: Redacted() is the only form that goes to logs or
// status.
//
// Pure functions; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace shoal::net {

struct TurnServer {
  std::string host;  // numeric IP or a name
  int port = 3478;
  std::string user;
  std::string secret;
  bool static_password = false;

  std::string HostPort() const;
  // "turn://USER@HOST:PORT" (no secret), plus " (static password)".
  std::string Redacted() const;
  // The URL again, secret included (for the config file only).
  std::string Url() const;
  friend bool operator==(const TurnServer&, const TurnServer&) = default;
};

// Fails with kInvalidArgument naming what is wrong (no "turn://", no user
// or secret, a bad port) but never echoing the secret.
Result<TurnServer> ParseTurnUrl(std::string_view url, bool static_password);

struct Credentials {
  std::string username;
  std::string password;
};

// The credentials to use now; shared-secret ones expire after `validity`.
Credentials MakeCredentials(const TurnServer& server, std::chrono::system_clock::time_point now,
                            std::chrono::seconds validity = std::chrono::hours(24));

}  // namespace shoal::net
