#include "cli/gui/gui_guard.h"

#include <sodium.h>

#include "core/base/bytes.h"

namespace shoal::cli {
namespace {

std::string RandomHex(std::size_t bytes) {
  Bytes raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  return HexEncode(raw);
}

std::string Digest(std::string_view value) {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof(out), reinterpret_cast<const unsigned char*>(value.data()),
                     value.size(), nullptr, 0);
  return HexEncode(ByteSpan(out, sizeof(out)));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool SecretsEqual(std::string_view a, std::string_view b) {
  // Digests first, so lengths leak nothing either.
  const std::string da = Digest(a);
  const std::string db = Digest(b);
  return sodium_memcmp(da.data(), db.data(), da.size()) == 0;
}

bool GuiGuard::HostAllowed(std::string_view host) const {
  // Listening beyond loopback, the page is reached by whatever name or
  // address the LAN uses for this machine; the password guards it then.
  if (!config_.loopback) return !host.empty();
  const std::string port = ":" + std::to_string(config_.port);
  for (const char* name : {"127.0.0.1", "localhost", "[::1]"}) {
    if (host == std::string(name) + port) return true;
  }
  return !config_.listen_host.empty() && host == config_.listen_host + port;
}

bool GuiGuard::OriginAllowed(std::string_view origin, std::string_view host) {
  return !host.empty() && origin == "http://" + std::string(host);
}

std::optional<std::string> GuiGuard::Login(std::string_view token, std::string_view password) {
  bool ok = !token.empty() && SecretsEqual(token, config_.token);
  if (!ok && !config_.password.empty()) {
    ok = !password.empty() && SecretsEqual(password, config_.password);
  }
  if (!ok) return std::nullopt;
  const std::string value = RandomHex(32);
  sessions_.insert(Digest(value));
  return cookie_name() + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
}

std::optional<std::string> GuiGuard::SessionIn(std::string_view cookie_header) const {
  const std::string prefix = cookie_name() + "=";
  while (!cookie_header.empty()) {
    const std::size_t end = cookie_header.find(';');
    std::string_view cookie = Trim(cookie_header.substr(0, end));
    if (cookie.starts_with(prefix)) return std::string(cookie.substr(prefix.size()));
    if (end == std::string_view::npos) break;
    cookie_header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

bool GuiGuard::HasSession(std::string_view cookie_header) const {
  auto value = SessionIn(cookie_header);
  return value && sessions_.contains(Digest(*value));
}

void GuiGuard::Logout(std::string_view cookie_header) {
  if (auto value = SessionIn(cookie_header)) sessions_.erase(Digest(*value));
}

net::HttpHeaders GuiGuard::SecurityHeaders() {
  return {
      {"content-security-policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"x-content-type-options", "nosniff"},
      {"cache-control", "no-store"},
      {"referrer-policy", "no-referrer"},
      {"x-frame-options", "DENY"},
  };
}

}  // namespace shoal::cli
