// ControlClient against a ControlServer: the client blocks, so it runs on a
// thread while the test thread drives the server's loop.
#include "net/control/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "tests/net/control/control_test_support.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net::testing {
namespace {

using nlohmann::json;

// Runs `work` on a thread and drives the loop until it has finished.
template <typename T>
T OnClientThread(ControlFixture& f, std::function<T()> work) {
  std::packaged_task<T()> task(std::move(work));
  auto result = task.get_future();
  std::thread thread(std::move(task));
  bool ready = RunUntil(*f.loop, [&] {
    return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  thread.join();
  REQUIRE(ready);
  return result.get();
}

TEST_CASE("connecting when no daemon runs says how to start it", "[control]") {
  shoal::testing::TempDir home;
  auto missing = ControlClient::Connect(home.File("control.sock"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message == "the daemon is not running — start it with `shoal daemon`");

  // A socket file left behind by a dead daemon reads the same.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = home.File("control.sock");
  std::copy(path.begin(), path.end(), address.sun_path);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::close(fd);
  auto stale = ControlClient::Connect(path);
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().message.find("shoal daemon") != std::string::npos);
}

TEST_CASE("a client call returns the result, then the daemon's error", "[control]") {
  ControlFixture f;
  f.handler.respond = [](const json& request, ControlReply reply) {
    if (request["cmd"] == "status") return reply(json{{"folders", 2}});
    reply(
        Fail(ErrorCode::kNotFound, "unknown command '" + request["cmd"].get<std::string>() + "'"));
  };
  f.Listen();
  const std::string path = f.SocketPath();
  auto outcome = OnClientThread<std::vector<std::string>>(f, [path] {
    std::vector<std::string> seen;
    auto client = ControlClient::Connect(path);
    if (!client) return std::vector<std::string>{client.error().ToString()};
    auto status = client->Call({{"cmd", "status"}});
    seen.push_back(status ? status->dump() : status.error().ToString());
    auto unknown = client->Call({{"cmd", "frobnicate"}});
    seen.push_back(unknown ? unknown->dump()
                           : std::string(ErrorCodeName(unknown.error().code)) + "|" +
                                 unknown.error().message);
    return seen;
  });
  REQUIRE(outcome.size() == 2);
  CHECK(outcome[0] == R"({"folders":2})");
  CHECK(outcome[1] == "not found|unknown command 'frobnicate'");
  REQUIRE(f.handler.requests.size() == 2);
  CHECK(f.handler.requests[0]["id"] == 1);  // the client numbers its requests
  CHECK(f.handler.requests[1]["id"] == 2);
}

TEST_CASE("a client receives events after subscribing", "[control]") {
  ControlFixture f;
  f.Listen();
  const std::string path = f.SocketPath();
  std::packaged_task<std::vector<std::string>()> task([path] {
    std::vector<std::string> events;
    auto client = ControlClient::Connect(path);
    if (!client) return events;
    if (!client->Call({{"cmd", "subscribe"}})) return events;
    for (int i = 0; i < 2; ++i) {
      auto event = client->NextEvent(std::chrono::seconds(20));
      if (!event) break;
      events.push_back((*event)["event"].get<std::string>());
    }
    return events;
  });
  auto result = task.get_future();
  std::thread thread(std::move(task));
  REQUIRE(RunUntil(*f.loop, [&] { return f.server->subscriber_count() == 1; }));
  f.server->Publish({{"event", "scan_started"}});
  f.server->Publish({{"event", "scan_finished"}});
  bool ready = RunUntil(*f.loop, [&] {
    return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  thread.join();
  REQUIRE(ready);
  CHECK(result.get() == std::vector<std::string>{"scan_started", "scan_finished"});
}

TEST_CASE("waiting for an event times out when none comes", "[control]") {
  ControlFixture f;
  f.Listen();
  const std::string path = f.SocketPath();
  auto code = OnClientThread<int>(f, [path] {
    auto client = ControlClient::Connect(path);
    if (!client) return -1;
    auto event = client->NextEvent(std::chrono::milliseconds(50));
    return event ? -2 : static_cast<int>(event.error().code);
  });
  CHECK(code == static_cast<int>(ErrorCode::kBusy));
}

}  // namespace
}  // namespace shoal::net::testing
