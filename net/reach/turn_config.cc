#include "net/reach/turn_config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "net/peer/socket_address.h"

namespace shoal::net {

std::string TurnServer::HostPort() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string TurnServer::Redacted() const {
  return "turn://" + user + "@" + HostPort() + (static_password ? " (static password)" : "");
}

std::string TurnServer::Url() const { return "turn://" + user + ":" + secret + "@" + HostPort(); }

Result<TurnServer> ParseTurnUrl(std::string_view url, bool static_password) {
  constexpr std::string_view kScheme = "turn://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Fail(ErrorCode::kInvalidArgument, "a relay must be turn://USER:SECRET@HOST:PORT");
  }
  std::string_view rest = url.substr(kScheme.size());
  auto at = rest.rfind('@');
  if (at == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "relay URL: USER:SECRET@ is missing");
  }
  std::string_view userinfo = rest.substr(0, at);
  std::string_view hostport = rest.substr(at + 1);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == userinfo.size()) {
    return Fail(ErrorCode::kInvalidArgument, "relay URL: needs both a user and a secret");
  }
  TurnServer server;
  server.user = std::string(userinfo.substr(0, colon));
  server.secret = std::string(userinfo.substr(colon + 1));
  server.static_password = static_password;
  if (hostport.find(':') == std::string_view::npos ||
      (hostport.front() == '[' && hostport.back() == ']')) {
    server.host = std::string(hostport);
    if (server.host.size() > 2 && server.host.front() == '[') {
      server.host = server.host.substr(1, server.host.size() - 2);
    }
  } else {
    auto split = SplitHostPort(hostport);
    if (!split) return Fail(ErrorCode::kInvalidArgument, "relay URL: bad HOST:PORT");
    server.host = split->host;
    server.port = split->port;
  }
  if (server.host.empty()) return Fail(ErrorCode::kInvalidArgument, "relay URL: no host");
  for (char c : server.user) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument, "relay URL: the user must be printable ASCII");
    }
  }
  return server;
}

Credentials MakeCredentials(const TurnServer& server, std::chrono::system_clock::time_point now,
                            std::chrono::seconds validity) {
  if (server.static_password) return {server.user, server.secret};
  auto expiry = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch() + validity);
  Credentials credentials;
  credentials.username = std::to_string(expiry.count()) + ":" + server.user;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha1(), server.secret.data(), static_cast<int>(server.secret.size()),
       reinterpret_cast<const unsigned char*>(credentials.username.data()),
       credentials.username.size(), mac, &mac_size);
  std::string text(sodium_base64_encoded_len(mac_size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), mac, mac_size, sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.find('\0'));
  credentials.password = std::move(text);
  return credentials;
}

}  // namespace shoal::net
