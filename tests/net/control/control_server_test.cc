// ControlServer over a real Unix socket in a temp home, driven by RunUntil.
#include "net/control/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "net/control/control_protocol.h"
#include "net/loop/timer.h"
#include "tests/net/control/control_test_support.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net::testing {
namespace {

using nlohmann::json;

std::string Line(const char* json_text, const char* end = "\n") {
  std::string line = json_text;
  line.append(end);
  return line;
}

json ParseLine(const std::string& line) { return json::parse(line, nullptr, false); }

// Drives the loop until `client` holds a line; returns it parsed.
// (RunUntil calls its condition once more at the end: TakeLine at most once.)
json NextLine(ControlFixture& f, RawClient& client) {
  std::string line;
  bool got = false;
  REQUIRE(RunUntil(*f.loop, [&] { return got || (got = client.TakeLine(line)); }));
  return ParseLine(line);
}

TEST_CASE("the control socket is created with mode 0600", "[control]") {
  ControlFixture f;
  f.Listen();
  struct stat st {};
  REQUIRE(::lstat(f.SocketPath().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_uid == ::geteuid());
}

TEST_CASE("a request gets its response with the same id", "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":7,"cmd":"status","folder":"x"})"));
  json response = NextLine(f, client);
  CHECK(response["id"] == 7);
  CHECK(response["ok"] == true);
  CHECK(response["result"]["echo"]["folder"] == "x");
  REQUIRE(f.handler.requests.size() == 1);
  CHECK(f.handler.requests[0]["cmd"] == "status");
}

TEST_CASE("a reply may come later, after a timer", "[control]") {
  ControlFixture f;
  auto timer = Timer::Create(*f.loop);
  REQUIRE(timer.has_value());
  f.handler.respond = [&](const json&, ControlReply reply) {
    (*timer)->Start(std::chrono::milliseconds(30), [reply] { reply(json{{"scanned", 3}}); });
  };
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":1,"cmd":"rescan"})"));
  json response = NextLine(f, client);
  CHECK(response["id"] == 1);
  CHECK(response["result"]["scanned"] == 3);
  timer->reset();
}

TEST_CASE("an error reply carries a snake_case code and the message", "[control]") {
  ControlFixture f;
  f.handler.respond = [](const json&, ControlReply reply) {
    reply(Fail(ErrorCode::kNotFound, "no folder 'x'"));
  };
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":"a","cmd":"pause"})"));
  json response = NextLine(f, client);
  CHECK(response["id"] == "a");
  CHECK(response["ok"] == false);
  CHECK(response["error"]["code"] == "not_found");
  CHECK(response["error"]["message"] == "no folder 'x'");
}

TEST_CASE("a field of the wrong type fails that request and the server keeps serving",
          "[control]") {
  ControlFixture f;
  f.handler.respond = [](const json& request, ControlReply reply) {
    // An unchecked read, as a handler bug would do it: throws type_error.
    reply(json{{"seconds", request["timeout_seconds"].get<int>()}});
  };
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":1,"cmd":"pair-join","timeout_seconds":"soon"})"));
  json bad = NextLine(f, client);
  CHECK(bad["id"] == 1);
  CHECK(bad["ok"] == false);
  CHECK(bad["error"]["code"] == "invalid_argument");
  client.Queue(Line(R"({"id":2,"cmd":"pair-join","timeout_seconds":5})"));
  json good = NextLine(f, client);
  CHECK(good["id"] == 2);
  CHECK(good["result"]["seconds"] == 5);
}

TEST_CASE("a malformed line gets an error response and the connection still works", "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue("{not json\n");
  json bad = NextLine(f, client);
  CHECK(bad["ok"] == false);
  CHECK(bad["id"].is_null());
  CHECK(bad["error"]["code"] == "invalid_argument");

  client.Queue(Line(R"({"id":2,"nocmd":true})") + Line(R"([1,2])"));
  json no_cmd = NextLine(f, client);
  CHECK(no_cmd["id"] == 2);
  CHECK(no_cmd["error"]["code"] == "invalid_argument");
  json not_object = NextLine(f, client);
  CHECK(not_object["ok"] == false);

  client.Queue(Line(R"({"id":3,"cmd":"status"})", "\r\n"));
  json good = NextLine(f, client);
  CHECK(good["id"] == 3);
  CHECK(good["ok"] == true);
  CHECK(f.handler.requests.size() == 1);
}

TEST_CASE("a request nested too deep gets an error response and the server keeps serving",
          "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient client(f.SocketPath());
  // 100,000 nested arrays (200 KB, under the line limit) as the id: copying
  // it for the response used to overflow the daemon's stack.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  client.Queue(R"({"id":)" + deep + R"(,"cmd":"status"})" + "\n");
  json refused = NextLine(f, client);
  CHECK(refused["ok"] == false);
  CHECK(refused["id"].is_null());
  CHECK(refused["error"]["code"] == "invalid_argument");
  CHECK(f.handler.requests.empty());

  client.Queue(Line(R"({"id":2,"cmd":"status"})"));
  CHECK(NextLine(f, client)["id"] == 2);
}

TEST_CASE("a line over the limit closes the connection", "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(std::string(kMaxControlLineBytes + 100, 'x'));
  CHECK(RunUntil(*f.loop, [&] { return !client.Pump(); }));
  CHECK(RunUntil(*f.loop, [&] { return f.server->connection_count() == 0; }));
  CHECK(f.handler.requests.empty());
}

TEST_CASE("a subscriber receives published events", "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient subscriber(f.SocketPath());
  RawClient bystander(f.SocketPath());
  subscriber.Queue(Line(R"({"id":1,"cmd":"subscribe"})"));
  json subscribed = NextLine(f, subscriber);
  CHECK(subscribed["ok"] == true);
  CHECK(f.server->subscriber_count() == 1);
  CHECK(f.handler.requests.empty());  // the server handles subscribe itself

  f.server->Publish(json{{"event", "folder_scanned"}, {"folder", "docs"}});
  f.server->Publish(json{{"event", "device_connected"}});
  json first = NextLine(f, subscriber);
  json second = NextLine(f, subscriber);
  CHECK(first["event"] == "folder_scanned");
  CHECK(first["folder"] == "docs");
  CHECK(second["event"] == "device_connected");

  bystander.Queue(Line(R"({"id":9,"cmd":"status"})"));
  CHECK(NextLine(f, bystander)["id"] == 9);  // its first line is its response, no event
}

TEST_CASE("a subscriber that stops reading is disconnected", "[control]") {
  ControlFixture f;
  ControlServer::Options options;
  options.max_write_queue_bytes = 256 * 1024;
  f.Listen(options);
  RawClient slow(f.SocketPath());
  slow.Queue(Line(R"({"id":1,"cmd":"subscribe"})"));
  REQUIRE(RunUntil(*f.loop, [&] {
    slow.Pump();
    return f.server->subscriber_count() == 1;
  }));
  const json event = {{"event", "bulk"}, {"data", std::string(16 * 1024, 'z')}};
  // Never read by `slow`: the kernel's buffer fills, then the server's queue.
  CHECK(RunUntil(*f.loop, [&] {
    f.server->Publish(event);
    return f.server->connection_count() == 0;
  }));
}

TEST_CASE("a reply to a client that left is ignored, a dropped reply answers cancelled",
          "[control]") {
  ControlFixture f;
  std::vector<ControlReply> held;
  f.handler.respond = [&](const json& request, ControlReply reply) {
    if (request["cmd"] == "hold") held.push_back(reply);  // the copy held here; the other dies
  };
  f.Listen();
  {
    RawClient leaving(f.SocketPath());
    leaving.Queue(Line(R"({"id":1,"cmd":"hold"})"));
    REQUIRE(RunUntil(*f.loop, [&] {
      leaving.Pump();
      return held.size() == 1;
    }));
  }
  REQUIRE(RunUntil(*f.loop, [&] { return f.server->connection_count() == 0; }));
  held[0](json::object());  // no connection: nothing happens
  CHECK(held[0].answered());

  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":2,"cmd":"forget"})"));
  json response = NextLine(f, client);
  CHECK(response["id"] == 2);
  CHECK(response["error"]["code"] == "cancelled");
}

TEST_CASE("a stale socket file is replaced", "[control]") {
  ControlFixture f;
  {
    // Bound and closed: the file stays, nobody listens.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = f.SocketPath();
    std::copy(path.begin(), path.end(), address.sun_path);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
  }
  f.Listen();
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":1,"cmd":"status"})"));
  CHECK(NextLine(f, client)["ok"] == true);
}

TEST_CASE("a second server on a live socket is refused", "[control]") {
  ControlFixture f;
  f.Listen();
  RecordingHandler other;
  auto second = ControlServer::Listen(*f.loop, f.SocketPath(), other);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::kBusy);
  CHECK(second.error().message.find("already running") != std::string::npos);
  // The first one still answers.
  RawClient client(f.SocketPath());
  client.Queue(Line(R"({"id":1,"cmd":"status"})"));
  CHECK(NextLine(f, client)["ok"] == true);
}

TEST_CASE("a file that is not a socket is left alone", "[control]") {
  ControlFixture f;
  std::ofstream(f.SocketPath()) << "precious";
  RecordingHandler other;
  auto refused = ControlServer::Listen(*f.loop, f.SocketPath(), other);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kInvalidArgument);
  std::ifstream kept(f.SocketPath());
  std::string text;
  kept >> text;
  CHECK(text == "precious");
}

TEST_CASE("closing the server removes the socket and frees every handle", "[control]") {
  ControlFixture f;
  f.Listen();
  RawClient client(f.SocketPath());
  REQUIRE(RunUntil(*f.loop, [&] { return f.server->connection_count() == 1; }));
  f.Shutdown();  // checks the loop closes with no handle left
  CHECK(::access(f.SocketPath().c_str(), F_OK) != 0);
  CHECK_FALSE(client.Pump());  // the server closed its end
}

TEST_CASE("control error codes map both ways", "[control]") {
  for (ErrorCode code : {ErrorCode::kIo, ErrorCode::kNotFound, ErrorCode::kBusy,
                         ErrorCode::kInvalidArgument, ErrorCode::kNoSpace}) {
    CHECK(ErrorCodeFromControl(ControlErrorCode(code)) == code);
  }
  CHECK(ControlErrorCode(ErrorCode::kNotFound) == "not_found");
  CHECK(ErrorCodeFromControl("something_new") == ErrorCode::kIo);
  // Invalid UTF-8 is replaced, not thrown about.
  CHECK(ControlLine(json{{"name", std::string("\xff")}}).back() == '\n');
}

}  // namespace
}  // namespace shoal::net::testing
