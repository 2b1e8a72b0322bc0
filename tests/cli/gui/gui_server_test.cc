// GuiServer over real loopback HTTP, on the test's loop: the page, the
// guard's refusals, login, the API bridge to a control handler, and the
// event stream (docs/security.md "Web interface").
#include "cli/gui/gui_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "tests/net/control/control_test_support.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/raw_http_client.h"

namespace shoal::cli {
namespace {

using net::testing::RecordingHandler;
using net::testing::RunUntil;
using shoal::testing::HttpRequestBytes;
using shoal::testing::RawHttpClient;
using shoal::testing::RawHttpResponse;

const std::string kToken(64, 'c');

struct GuiFixture {
  explicit GuiFixture(GuiOptions options = {"127.0.0.1", 0, ""}) {
    loop = std::move(*net::EventLoop::Create());
    auto started = GuiServer::Start(*loop, options, kToken, handler);
    REQUIRE(started);
    gui = std::move(*started);
    host = "127.0.0.1:" + std::to_string(gui->port());
    origin = "http://" + host;
  }
  ~GuiFixture() {
    gui.reset();
    loop->Run();
    CHECK(loop->Close());
  }

  RawHttpResponse Send(const std::string& request) {
    RawHttpClient client(gui->port(), request);
    REQUIRE(RunUntil(*loop, [&] { return client.Pump(); }));
    return client.response();
  }
  // Logs in with the token; returns the "name=value" to send as Cookie.
  std::string LogIn() {
    auto r = Send(
        HttpRequestBytes("POST", "/login", host, origin, {}, R"({"token":")" + kToken + R"("})"));
    REQUIRE(r.status == 200);
    const std::string& set = r.headers["set-cookie"];
    return set.substr(0, set.find(';'));
  }

  std::unique_ptr<net::EventLoop> loop;
  RecordingHandler handler;
  std::unique_ptr<GuiServer> gui;
  std::string host;
  std::string origin;
};

}  // namespace

TEST_CASE("gui: the page is served with CSP and nosniff and no-store and no CORS", "[gui]") {
  GuiFixture f;
  auto r = f.Send(HttpRequestBytes("GET", "/", f.host));
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"].starts_with("text/html"));
  CHECK(r.body.find("<!doctype html>") != std::string::npos);
  CHECK(r.headers["x-content-type-options"] == "nosniff");
  CHECK(r.headers["cache-control"] == "no-store");
  CHECK(r.headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
  for (const auto& [name, value] : r.headers) CHECK_FALSE(name.starts_with("access-control-"));
  auto script = f.Send(HttpRequestBytes("GET", "/app.js", f.host));
  CHECK(script.status == 200);
  CHECK(script.headers["content-type"].starts_with("text/javascript"));
  CHECK(f.Send(HttpRequestBytes("GET", "/nothing", f.host)).status == 404);
}

TEST_CASE("gui: a request under another Host name is refused (DNS rebinding)", "[gui]") {
  GuiFixture f;
  const std::string rebound = "evil.example:" + std::to_string(f.gui->port());
  CHECK(f.Send(HttpRequestBytes("GET", "/", rebound)).status == 403);
  auto login = f.Send(HttpRequestBytes("POST", "/login", rebound, "http://" + rebound, {},
                                       R"({"token":")" + kToken + R"("})"));
  CHECK(login.status == 403);
  CHECK(login.headers.count("set-cookie") == 0);
  CHECK(f.Send(HttpRequestBytes("GET", "/", "localhost:" + std::to_string(f.gui->port()))).status ==
        200);
}

TEST_CASE("gui: a POST from another origin or with none is refused (CSRF)", "[gui]") {
  GuiFixture f;
  const std::string cookie = f.LogIn();
  for (const std::string& origin :
       {std::string("http://evil.example"), std::string("null"), std::string()}) {
    auto r = f.Send(HttpRequestBytes("POST", "/api/status", f.host, origin, cookie, "{}"));
    CHECK(r.status == 403);
  }
  CHECK(f.handler.requests.empty());
  auto same = f.Send(HttpRequestBytes("POST", "/api/status", f.host, f.origin, cookie, "{}"));
  CHECK(same.status == 200);
  CHECK(f.handler.requests.size() == 1);
}

TEST_CASE("gui: the API and the events need a session", "[gui]") {
  GuiFixture f;
  CHECK(f.Send(HttpRequestBytes("POST", "/api/status", f.host, f.origin, {}, "{}")).status == 401);
  CHECK(f.Send(HttpRequestBytes(
                   "POST", "/api/status", f.host, f.origin,
                   "shoal-session-" + std::to_string(f.gui->port()) + "=" + std::string(64, '0'),
                   "{}"))
            .status == 401);
  CHECK(f.Send(HttpRequestBytes("GET", "/events", f.host)).status == 401);
  auto wrong = f.Send(HttpRequestBytes("POST", "/login", f.host, f.origin, {},
                                       R"({"token":")" + std::string(64, 'd') + R"("})"));
  CHECK(wrong.status == 403);
  CHECK(wrong.headers.count("set-cookie") == 0);
  CHECK(f.handler.requests.empty());
}

TEST_CASE("gui: after five wrong logins the address waits and is told for how long", "[gui]") {
  GuiFixture f;
  auto login = [&](const std::string& token) {
    return f.Send(HttpRequestBytes("POST", "/login", f.host, f.origin, {},
                                   R"({"token":")" + token + R"("})"));
  };
  const std::string wrong(64, 'd');
  for (int i = 0; i < 6; ++i) {
    INFO("wrong login " << i + 1);
    CHECK(login(wrong).status == 403);
  }
  // The sixth failure costs a second: even the right token is refused
  // unread until it has passed.
  auto waiting = login(kToken);
  CHECK(waiting.status == 429);
  CHECK(waiting.headers["retry-after"] == "1");
  CHECK(waiting.headers.count("set-cookie") == 0);
  CHECK_THAT(waiting.body, Catch::Contains("too many wrong logins from 127.0.0.1"));
  net::testing::RunFor(*f.loop, std::chrono::milliseconds(1100));
  auto right = login(kToken);
  CHECK(right.status == 200);
  CHECK(right.headers.count("set-cookie") == 1);
  // The right login cleared the count: one more mistake costs nothing.
  CHECK(login(wrong).status == 403);
  CHECK(login(kToken).status == 200);
}

TEST_CASE("gui: after login an API call runs the control command and answers its response",
          "[gui]") {
  GuiFixture f;
  const std::string cookie = f.LogIn();
  auto r = f.Send(HttpRequestBytes("POST", "/api/folder-add", f.host, f.origin, cookie,
                                   R"({"path":"/x","cmd":"shutdown"})"));
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "application/json");
  REQUIRE(f.handler.requests.size() == 1);
  // The command is the path's, whatever the body says.
  CHECK(f.handler.requests[0]["cmd"] == "folder-add");
  CHECK(f.handler.requests[0]["path"] == "/x");
  auto body = nlohmann::json::parse(r.body);
  CHECK(body["ok"] == true);
  CHECK(body["result"]["echo"]["path"] == "/x");
  auto logout = f.Send(HttpRequestBytes("POST", "/logout", f.host, f.origin, cookie));
  CHECK(logout.status == 200);
  CHECK(f.Send(HttpRequestBytes("POST", "/api/status", f.host, f.origin, cookie, "{}")).status ==
        401);
}

TEST_CASE("gui: a command answered later answers its HTTP request then", "[gui]") {
  GuiFixture f;
  const std::string cookie = f.LogIn();
  std::vector<net::ControlReply> held;
  f.handler.respond = [&](const nlohmann::json&, net::ControlReply reply) {
    held.push_back(std::move(reply));
  };
  RawHttpClient client(f.gui->port(), HttpRequestBytes("POST", "/api/pair-join", f.host, f.origin,
                                                       cookie, R"({"code":"x"})"));
  REQUIRE(RunUntil(*f.loop, [&] {
    client.Pump();
    return !held.empty();
  }));
  CHECK_FALSE(client.Pump());
  held[0](nlohmann::json{{"paired", true}});
  REQUIRE(RunUntil(*f.loop, [&] { return client.Pump(); }));
  CHECK(nlohmann::json::parse(client.response().body)["result"]["paired"] == true);
}

TEST_CASE("gui: a command that closes the server still gets its answer", "[gui]") {
  GuiFixture f;
  const std::string cookie = f.LogIn();
  // As `shutdown` does: answer, then stop the daemon, which closes the server.
  f.handler.respond = [&](const nlohmann::json&, net::ControlReply reply) {
    reply(nlohmann::json{{"stopping", true}});
    f.gui->Close();
  };
  auto r = f.Send(HttpRequestBytes("POST", "/api/shutdown", f.host, f.origin, cookie, "{}"));
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["result"]["stopping"] == true);
}

TEST_CASE("gui: published events reach an open /events stream", "[gui]") {
  GuiFixture f;
  const std::string cookie = f.LogIn();
  RawHttpClient client(f.gui->port(), HttpRequestBytes("GET", "/events", f.host, {}, cookie));
  REQUIRE(RunUntil(*f.loop, [&] {
    client.Pump();
    return f.gui->subscriber_count() == 1 && client.raw().find(": shoal") != std::string::npos;
  }));
  CHECK(client.response().headers["content-type"] == "text/event-stream");
  f.gui->Publish({{"event", "device-connected"}, {"device", "ABC"}});
  REQUIRE(RunUntil(*f.loop, [&] {
    client.Pump();
    return client.raw().find("\n\n", client.raw().find("data: ")) != std::string::npos;
  }));
  const std::string& raw = client.raw();
  const std::size_t data = raw.find("data: ");
  auto event = nlohmann::json::parse(raw.substr(data + 6, raw.find('\n', data) - data - 6));
  CHECK(event["event"] == "device-connected");
  CHECK(event["device"] == "ABC");
}

TEST_CASE("gui: an OPTIONS preflight gets 405 and no CORS headers", "[gui]") {
  GuiFixture f;
  auto r = f.Send("OPTIONS /api/status HTTP/1.1\r\nHost: " + f.host +
                  "\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
  CHECK(r.status == 405);
  for (const auto& [name, value] : r.headers) CHECK_FALSE(name.starts_with("access-control-"));
  CHECK(r.headers["x-content-type-options"] == "nosniff");
  CHECK(f.handler.requests.empty());
}

TEST_CASE("gui: a non-loopback address without a password refuses to start", "[gui]") {
  auto loop = std::move(*net::EventLoop::Create());
  RecordingHandler handler;
  auto refused = GuiServer::Start(*loop, {"0.0.0.0", 0, ""}, kToken, handler);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("--gui-password") != std::string::npos);
  auto allowed = GuiServer::Start(*loop, {"0.0.0.0", 0, "secret"}, kToken, handler);
  CHECK(allowed);
  if (allowed) allowed->reset();
  loop->Run();
  CHECK(loop->Close());
}

namespace {

// Descriptors of the test's own, opened while a server's context ends.
std::vector<int> OpenEventFds(int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) fds.push_back(eventfd(0, EFD_CLOEXEC));
  return fds;
}

int CountOpen(const std::vector<int>& fds) {
  int open = 0;
  for (int fd : fds) open += fd >= 0 && fcntl(fd, F_GETFD) != -1 ? 1 : 0;
  return open;
}

}  // namespace

// libwebsockets 4.1 closes its cancel pipe once when its context is
// destroyed and again a loop iteration later; a daemon whose GUI port was
// taken lost a descriptor that way, and libuv aborted (net/http/fd_hold.h).
TEST_CASE(
    "gui: descriptors opened while a server's context ends stay open, whether it could listen "
    "or not",
    "[gui]") {
  auto loop = std::move(*net::EventLoop::Create());
  RecordingHandler handler;
  int taken = -1;
  SECTION("its port is taken") {
    taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(taken, 1) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    auto refused =
        GuiServer::Start(*loop, {"127.0.0.1", ntohs(addr.sin_port), ""}, kToken, handler);
    REQUIRE_FALSE(refused);
  }
  SECTION("it ran") {
    auto started = GuiServer::Start(*loop, {"127.0.0.1", 0, ""}, kToken, handler);
    REQUIRE(started);
    started->reset();
  }
  const std::vector<int> mine = OpenEventFds(16);
  loop->Run();  // until lws has closed its handles and freed the context
  CHECK(CountOpen(mine) == 16);
  for (int fd : mine) close(fd);
  if (taken >= 0) close(taken);
  CHECK(loop->Close());
}

TEST_CASE("gui: --gui addresses parse as HOST:PORT", "[gui]") {
  auto v4 = ParseGuiAddress("127.0.0.1:8385");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8385);
  auto v6 = ParseGuiAddress("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  CHECK(ParseGuiAddress("localhost:1")->host == "127.0.0.1");
  CHECK_FALSE(ParseGuiAddress("8385"));
  CHECK_FALSE(ParseGuiAddress("127.0.0.1:99999"));
  CHECK_FALSE(ParseGuiAddress("example.com:80"));
  CHECK(IsLoopbackHost("127.0.0.1"));
  CHECK(IsLoopbackHost("::1"));
  CHECK_FALSE(IsLoopbackHost("0.0.0.0"));
}

}  // namespace shoal::cli
