// TcpListener and TcpDialer over loopback: kernel-chosen ports, IPv4 and
// IPv6, a taken port, refused and timed-out dials, hostnames, cancelling.
#include "net/peer/tcp_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/scoped_fd.h"
#include "net/peer/tcp_dialer.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net {
namespace {

using std::chrono::milliseconds;
using testing::RunUntil;

// Accepted handles (closed when this goes) and their remote addresses.
struct Accepted {
  std::vector<UvHandle<uv_tcp_t>> handles;
  std::vector<std::string> remotes;
  TcpListener::OnAccept Callback() {
    return [this](UvHandle<uv_tcp_t> tcp, std::string remote) {
      handles.push_back(std::move(tcp));
      remotes.push_back(std::move(remote));
    };
  }
};

// One dial and what it reported (a connection closes when this goes).
struct DialResult {
  std::optional<Result<UvHandle<uv_tcp_t>>> result;
  std::unique_ptr<TcpDialer> dialer;
};

void StartDial(EventLoop& loop, DialResult& out, const std::string& address,
               milliseconds timeout = milliseconds(5000)) {
  auto dialer = TcpDialer::Start(loop, address, timeout, [&out](Result<UvHandle<uv_tcp_t>> result) {
    out.result.emplace(std::move(result));
  });
  REQUIRE(dialer.has_value());
  out.dialer = std::move(*dialer);
}

struct Fixture {
  std::unique_ptr<EventLoop> loop = std::move(EventLoop::Create().value());
  ~Fixture() { CHECK(loop->Close().has_value()); }  // no leaked handles
};

}  // namespace

TEST_CASE("a listener on port 0 gets a port and hands over connections with the remote address",
          "[peer]") {
  Fixture f;
  {
    Accepted accepted;
    auto listener = TcpListener::Start(*f.loop, "127.0.0.1", 0, accepted.Callback());
    REQUIRE(listener.has_value());
    const int port = (*listener)->port();
    CHECK(port > 0);
    DialResult dial;
    StartDial(*f.loop, dial, "127.0.0.1:" + std::to_string(port));
    REQUIRE(RunUntil(*f.loop, [&] { return dial.result && accepted.handles.size() == 1; }));
    CHECK(dial.result->has_value());
    CHECK(accepted.remotes[0].rfind("127.0.0.1:", 0) == 0);
    CHECK(accepted.remotes[0] != "127.0.0.1:" + std::to_string(port));  // the client's port
  }
}

TEST_CASE("a listener on :: takes IPv6 and IPv4 dials, and [v6]:port dials", "[peer]") {
  Fixture f;
  Accepted accepted;
  auto listener = TcpListener::Start(*f.loop, "::", 0, accepted.Callback());
  if (!listener) {
    WARN("no IPv6 here: " << listener.error().message);
    return;
  }
  const std::string port = std::to_string((*listener)->port());
  DialResult v6, v4;
  StartDial(*f.loop, v6, "[::1]:" + port);
  StartDial(*f.loop, v4, "127.0.0.1:" + port);
  REQUIRE(RunUntil(*f.loop, [&] { return v6.result && v4.result; }));
  CHECK(v6.result->has_value());
  CHECK(v4.result->has_value());  // dual-stack (Linux default bindv6only=0)
  REQUIRE(RunUntil(*f.loop, [&] { return accepted.handles.size() == 2; }));
  for (const std::string& remote : accepted.remotes) CHECK(remote.rfind("[", 0) == 0);
  listener->reset();
}

TEST_CASE("a listener on a taken port fails and says which address is in use", "[peer]") {
  Fixture f;
  Accepted accepted;
  for (const std::string host : {"127.0.0.1", "0.0.0.0"}) {
    auto first = TcpListener::Start(*f.loop, host, 0, accepted.Callback());
    REQUIRE(first.has_value());
    const int port = (*first)->port();
    auto second = TcpListener::Start(*f.loop, host, port, accepted.Callback());
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == ErrorCode::kBusy);
    CHECK(second.error().message == "address " + host + ":" + std::to_string(port) + " is in use");
  }
  auto bad = TcpListener::Start(*f.loop, "localhost", 0, accepted.Callback());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a dial to a closed port fails with connection refused", "[peer]") {
  Fixture f;
  Accepted accepted;
  int port = 0;
  {
    auto listener = TcpListener::Start(*f.loop, "127.0.0.1", 0, accepted.Callback());
    REQUIRE(listener.has_value());
    port = (*listener)->port();
  }
  DialResult dial;
  StartDial(*f.loop, dial, "127.0.0.1:" + std::to_string(port));
  REQUIRE(RunUntil(*f.loop, [&] { return dial.result.has_value(); }));
  REQUIRE_FALSE(dial.result->has_value());
  CHECK(dial.result->error().code == ErrorCode::kIo);
  CHECK(dial.result->error().message ==
        "dial 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST_CASE("malformed dial addresses are refused at once", "[peer]") {
  Fixture f;
  for (const std::string address : {"10.0.0.1", "::1:22000", "[::1]22000", "host:0", "host:x"}) {
    auto dialer = TcpDialer::Start(*f.loop, address, milliseconds(100), [](auto) { FAIL(); });
    REQUIRE_FALSE(dialer.has_value());
    CHECK(dialer.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("a hostname is resolved and its addresses tried in turn", "[peer]") {
  Fixture f;
  Accepted accepted;
  auto listener = TcpListener::Start(*f.loop, "127.0.0.1", 0, accepted.Callback());
  REQUIRE(listener.has_value());
  DialResult dial;  // localhost may resolve to ::1 first, which refuses
  StartDial(*f.loop, dial, "localhost:" + std::to_string((*listener)->port()));
  REQUIRE(RunUntil(*f.loop, [&] { return dial.result.has_value(); }));
  CHECK(dial.result->has_value());
  listener->reset();
}

TEST_CASE("a dial that gets no answer times out, and destroying a dial cancels it silently",
          "[peer]") {
  Fixture f;
  // A listener with a full accept queue drops SYNs, so connects hang.
  ScopedFd fd(socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(fd.get() >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(fd.get(), 0) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string target = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  std::vector<std::unique_ptr<DialResult>> dials;
  bool timed_out = false;
  for (int i = 0; i < 16 && !timed_out; ++i) {  // fill the queue until one hangs
    dials.push_back(std::make_unique<DialResult>());
    StartDial(*f.loop, *dials.back(), target, milliseconds(300));
    REQUIRE(RunUntil(*f.loop, [&] { return dials.back()->result.has_value(); }));
    if (!dials.back()->result->has_value()) {
      CHECK(dials.back()->result->error().message ==
            "dial " + target + ": no connection within 300 ms");
      timed_out = true;
    }
  }
  CHECK(timed_out);

  bool called = false;
  auto pending = TcpDialer::Start(*f.loop, target, milliseconds(300), [&](auto) { called = true; });
  REQUIRE(pending.has_value());
  testing::RunFor(*f.loop, milliseconds(50));
  pending->reset();  // mid-connect
  testing::RunFor(*f.loop, milliseconds(400));
  CHECK_FALSE(called);
  dials.clear();
}

}  // namespace shoal::net
