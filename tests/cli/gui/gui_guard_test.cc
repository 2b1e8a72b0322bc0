// GuiGuard: the web interface's rules, one by one (docs/security.md "Web
// interface").
#include "cli/gui/gui_guard.h"

#include <catch2/catch.hpp>
#include <map>

namespace shoal::cli {
namespace {

GuiGuard Guard(bool loopback = true, std::string password = {}) {
  return GuiGuard(
      GuiGuardConfig{loopback, 8385, "127.0.0.1", std::string(64, 'a'), std::move(password)});
}

std::string CookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

}  // namespace

TEST_CASE("gui: on loopback only this machine's names with the port pass the Host check", "[gui]") {
  GuiGuard guard = Guard();
  CHECK(guard.HostAllowed("127.0.0.1:8385"));
  CHECK(guard.HostAllowed("localhost:8385"));
  CHECK(guard.HostAllowed("[::1]:8385"));
  // A DNS-rebinding page reaches 127.0.0.1 under its own name.
  CHECK_FALSE(guard.HostAllowed("evil.example:8385"));
  CHECK_FALSE(guard.HostAllowed("127.0.0.1.evil.example:8385"));
  CHECK_FALSE(guard.HostAllowed("127.0.0.1:8386"));
  CHECK_FALSE(guard.HostAllowed("127.0.0.1"));
  CHECK_FALSE(guard.HostAllowed(""));
  // Another loopback address it was told to listen on is its own name too.
  GuiGuard other(GuiGuardConfig{true, 8385, "127.0.0.2", std::string(64, 'a'), ""});
  CHECK(other.HostAllowed("127.0.0.2:8385"));
  CHECK_FALSE(other.HostAllowed("127.0.0.3:8385"));
}

TEST_CASE("gui: a POST passes only with an Origin equal to http:// and its Host", "[gui]") {
  CHECK(GuiGuard::OriginAllowed("http://127.0.0.1:8385", "127.0.0.1:8385"));
  CHECK_FALSE(GuiGuard::OriginAllowed("", "127.0.0.1:8385"));
  CHECK_FALSE(GuiGuard::OriginAllowed("null", "127.0.0.1:8385"));
  CHECK_FALSE(GuiGuard::OriginAllowed("http://evil.example", "127.0.0.1:8385"));
  CHECK_FALSE(GuiGuard::OriginAllowed("https://127.0.0.1:8385", "127.0.0.1:8385"));
  CHECK_FALSE(GuiGuard::OriginAllowed("http://localhost:8385", "127.0.0.1:8385"));
}

TEST_CASE("gui: the token buys an HttpOnly SameSite=Strict session cookie", "[gui]") {
  GuiGuard guard = Guard();
  auto cookie = guard.Login(std::string(64, 'a'), "");
  REQUIRE(cookie);
  CHECK(cookie->starts_with("shoal-session-8385="));
  CHECK(cookie->find("; HttpOnly") != std::string::npos);
  CHECK(cookie->find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie->find("; Path=/") != std::string::npos);
  const std::string pair = CookiePair(*cookie);
  CHECK(guard.HasSession(pair));
  CHECK(guard.HasSession("theme=dark; " + pair + "; other=1"));
  // The value is random: a second login gets another session.
  auto second = guard.Login(std::string(64, 'a'), "");
  REQUIRE(second);
  CHECK(CookiePair(*second) != pair);
  guard.Logout(pair);
  CHECK_FALSE(guard.HasSession(pair));
  CHECK(guard.HasSession(CookiePair(*second)));
}

TEST_CASE("gui: a wrong token or a made-up cookie opens no session", "[gui]") {
  GuiGuard guard = Guard();
  CHECK_FALSE(guard.Login(std::string(64, 'b'), ""));
  CHECK_FALSE(guard.Login("", ""));
  CHECK_FALSE(guard.Login(std::string(63, 'a'), ""));
  CHECK_FALSE(guard.Login("", "anything"));  // no password was set
  CHECK_FALSE(guard.HasSession("shoal-session-8385=" + std::string(64, '0')));
  CHECK_FALSE(guard.HasSession(""));
}

TEST_CASE("gui: the --gui-password logs in as the token does", "[gui]") {
  GuiGuard guard = Guard(false, "correct horse");
  CHECK(guard.Login("", "correct horse"));
  CHECK_FALSE(guard.Login("", "correct horsf"));
  CHECK(guard.Login(std::string(64, 'a'), ""));
  // Beyond loopback any Host passes; the password guards the page.
  CHECK(guard.HostAllowed("192.168.1.5:8385"));
}

TEST_CASE("gui: every response carries CSP and nosniff and no-store and no CORS", "[gui]") {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : GuiGuard::SecurityHeaders()) headers[name] = value;
  CHECK(headers["x-content-type-options"] == "nosniff");
  CHECK(headers["cache-control"] == "no-store");
  CHECK(headers["content-security-policy"].find("default-src 'none'") != std::string::npos);
  CHECK(headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
  CHECK(headers["content-security-policy"].find("frame-ancestors 'none'") != std::string::npos);
  for (const auto& [name, value] : headers) CHECK_FALSE(name.starts_with("access-control-"));
}

}  // namespace shoal::cli
