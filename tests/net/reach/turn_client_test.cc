// TurnClient against a real coturn on 127.0.0.1 (tests/support/coturn_process.h):
// allocation with the 401 challenge, shared-secret and static credentials, a
// refused secret, Connect/ConnectionAttempt/ConnectionBind between two
// allocations with every byte arriving both ways, a stale nonce, and a
// restarted relay. Skipped when coturn is not installed.
#include "net/reach/turn_client.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "net/loop/tcp_stream.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/coturn_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::net {
namespace {

using std::chrono::milliseconds;
using testing::RunFor;
using testing::RunUntil;

struct Recorder final : TurnClient::Delegate {
  std::vector<stun::Address> allocated;
  std::vector<Error> lost;
  std::vector<UvHandle<uv_tcp_t>> inbound;
  std::vector<stun::Address> inbound_from;
  void OnRelayAllocated(const stun::Address& relayed, const stun::Address&) override {
    allocated.push_back(relayed);
  }
  void OnRelayLost(const Error& why) override { lost.push_back(why); }
  void OnRelayedConnection(UvHandle<uv_tcp_t> tcp, const stun::Address& peer) override {
    inbound.push_back(std::move(tcp));
    inbound_from.push_back(peer);
  }
};

// Collects what a stream delivers.
struct Sink final : ByteStream::Listener {
  Bytes got;
  bool eof = false;
  void OnRead(ByteSpan bytes) override { got.insert(got.end(), bytes.begin(), bytes.end()); }
  void OnEof() override { eof = true; }
  void OnStreamError(std::string_view, int) override { eof = true; }
  void OnShutdown() override {}
  void OnDrained() override {}
  void OnClosed() override {}
};

Bytes RandomBytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(random());
  return out;
}

struct Fixture {
  shoal::testing::TempDir dir;
  std::unique_ptr<shoal::testing::CoturnProcess> relay;
  std::unique_ptr<EventLoop> loop = std::move(EventLoop::Create().value());
  TurnOptions options{.timeout = milliseconds(5000),
                      .keepalive = milliseconds(60000),
                      .lifetime_s = 600,
                      .backoff_min = milliseconds(50),
                      .backoff_max = milliseconds(200)};

  bool Start(shoal::testing::CoturnOptions coturn = {}) {
    coturn.dir = dir.path().string();
    auto started = shoal::testing::CoturnProcess::Start(coturn);
    if (!started && started.error().code == ErrorCode::kNotFound) {
      WARN("SKIPPED: " << started.error().message);
      return false;
    }
    INFO((started.has_value() ? std::string() : started.error().message));
    REQUIRE(started.has_value());
    relay = std::move(*started);
    return true;
  }
  TurnServer Server(bool is_static = false, const std::string& url = {}) const {
    return ParseTurnUrl(url.empty() ? relay->Url() : url, is_static).value();
  }
  ~Fixture() { CHECK(loop->Close().has_value()); }
};

}  // namespace

TEST_CASE("a TURN client allocates a TCP relay with shared-secret credentials", "[turn]") {
  Fixture f;
  if (!f.Start()) return;  // Start() warned
  Recorder recorder;
  {
    auto client = TurnClient::Start(*f.loop, f.Server(), recorder, f.options);
    REQUIRE(client.has_value());
    REQUIRE(RunUntil(*f.loop, [&] { return !recorder.allocated.empty(); }));
    const stun::Address& relayed = recorder.allocated[0];
    CHECK(relayed.ToString().rfind("127.0.0.1:", 0) == 0);
    CHECK(relayed.port >= 50000);
    CHECK(relayed.port <= 50100);
    CHECK((*client)->mapped()->HostString() == "127.0.0.1");
    CHECK(recorder.lost.empty());
    CHECK((*client)->last_error().empty());
  }
  RunFor(*f.loop, milliseconds(50));
}

TEST_CASE("a wrong secret is refused with 401 and retried with backoff", "[turn]") {
  Fixture f;
  if (!f.Start()) return;
  Recorder recorder;
  TurnServer server = f.Server();
  server.secret = "not-the-secret";
  {
    auto client = TurnClient::Start(*f.loop, server, recorder, f.options);
    REQUIRE(client.has_value());
    REQUIRE(RunUntil(*f.loop, [&] { return !recorder.lost.empty(); }));
    CHECK(recorder.lost[0].code == ErrorCode::kUnauthorized);
    CHECK(recorder.lost[0].message.find("401") != std::string::npos);
    CHECK(recorder.lost[0].message.find("not-the-secret") == std::string::npos);
    CHECK((*client)->last_error().find("401") != std::string::npos);
    RunFor(*f.loop, milliseconds(300));  // retries go on, without a new report each
    CHECK(recorder.allocated.empty());
    CHECK(recorder.lost.size() == 1);
  }
  RunFor(*f.loop, milliseconds(50));
}

TEST_CASE("a TURN client allocates with a static user and password", "[turn]") {
  Fixture f;
  shoal::testing::CoturnOptions coturn;
  coturn.static_user = "alice:wonderland";
  if (!f.Start(coturn)) return;
  Recorder recorder;
  const std::string url = "turn://alice:wonderland@127.0.0.1:" + std::to_string(f.relay->port());
  {
    auto client = TurnClient::Start(*f.loop, f.Server(true, url), recorder, f.options);
    REQUIRE(client.has_value());
    REQUIRE(RunUntil(*f.loop, [&] { return !recorder.allocated.empty(); }));
  }
  RunFor(*f.loop, milliseconds(50));
}

// Two allocations on one relay; `b` connects to `a`'s relayed address and
// the two bound connections carry `size` random bytes each way, in order,
// with nothing lost at the bind (the relay forwards what `b` sends first).
void ExchangeThroughRelay(Fixture& f, TurnClient& a, Recorder& a_events, TurnClient& b,
                          std::size_t size) {
  std::optional<Result<UvHandle<uv_tcp_t>>> dialed;
  auto pending = b.ConnectTo(
      *a.relayed(), [&](Result<UvHandle<uv_tcp_t>> bound) { dialed.emplace(std::move(bound)); });
  REQUIRE(pending.has_value());
  bool both = RunUntil(*f.loop, [&] { return dialed && !a_events.inbound.empty(); });
  INFO((dialed && !dialed->has_value() ? dialed->error().message : std::string("no error")));
  REQUIRE(both);
  INFO((dialed->has_value() ? std::string() : dialed->error().message));
  REQUIRE(dialed->has_value());
  CHECK(a_events.inbound_from.back().HostString() == "127.0.0.1");
  auto b_stream = TcpStream::Adopt(std::move(**dialed)).value();
  auto a_stream = TcpStream::Adopt(std::move(a_events.inbound.back())).value();
  a_events.inbound.pop_back();
  Sink at_a, at_b;
  REQUIRE(a_stream->Start(&at_a, {}).has_value());
  REQUIRE(b_stream->Start(&at_b, {}).has_value());
  const Bytes to_a = RandomBytes(size, 1), to_b = RandomBytes(size, 2);
  REQUIRE(b_stream->Write(to_a).has_value());
  bool arrived = RunUntil(*f.loop, [&] { return at_a.got.size() >= size; });
  INFO("at a: " << at_a.got.size() << " bytes" << (at_a.eof ? ", ended" : ""));
  REQUIRE(arrived);
  REQUIRE(a_stream->Write(to_b).has_value());
  arrived = RunUntil(*f.loop, [&] { return at_b.got.size() >= size; });
  INFO("at b: " << at_b.got.size() << " bytes" << (at_b.eof ? ", ended" : ""));
  REQUIRE(arrived);
  CHECK(at_a.got == to_a);
  CHECK(at_b.got == to_b);
}

TEST_CASE("a connection through the relay reaches another allocation both ways", "[turn]") {
  Fixture f;
  if (!f.Start()) return;
  Recorder a_events, b_events;
  {
    auto a = TurnClient::Start(*f.loop, f.Server(), a_events, f.options).value();
    auto b = TurnClient::Start(*f.loop, f.Server(), b_events, f.options).value();
    REQUIRE(RunUntil(*f.loop, [&] { return a->allocated() && b->allocated(); }));
    CHECK(a->relayed() != b->relayed());
    ExchangeThroughRelay(f, *a, a_events, *b, 4 << 20);
  }
  RunFor(*f.loop, milliseconds(50));
}

TEST_CASE("connecting without an allocation fails at once, and a cancelled connect is silent",
          "[turn]") {
  Fixture f;
  if (!f.Start()) return;
  Recorder a_events, b_events;
  {
    auto a = TurnClient::Start(*f.loop, f.Server(), a_events, f.options).value();
    auto b = TurnClient::Start(*f.loop, f.Server(), b_events, f.options).value();
    auto early = b->ConnectTo(stun::Address::Parse("127.0.0.1:50000").value(),
                              [](Result<UvHandle<uv_tcp_t>>) { FAIL("called"); });
    REQUIRE_FALSE(early.has_value());
    CHECK(early.error().code == ErrorCode::kBusy);
    REQUIRE(RunUntil(*f.loop, [&] { return a->allocated() && b->allocated(); }));
    bool called = false;
    auto pending = b->ConnectTo(*a->relayed(), [&](Result<UvHandle<uv_tcp_t>>) { called = true; });
    REQUIRE(pending.has_value());
    pending->reset();
    RunFor(*f.loop, milliseconds(500));
    CHECK_FALSE(called);
  }
  RunFor(*f.loop, milliseconds(50));
}

TEST_CASE("a stale nonce is renewed and the request goes through", "[turn]") {
  Fixture f;
  shoal::testing::CoturnOptions coturn;
  coturn.stale_nonce_s = 1;
  if (!f.Start(coturn)) return;
  Recorder a_events, b_events;
  {
    auto a = TurnClient::Start(*f.loop, f.Server(), a_events, f.options).value();
    auto b = TurnClient::Start(*f.loop, f.Server(), b_events, f.options).value();
    REQUIRE(RunUntil(*f.loop, [&] { return a->allocated() && b->allocated(); }));
    RunFor(*f.loop, milliseconds(2500));  // both nonces are stale now
    ExchangeThroughRelay(f, *a, a_events, *b, 1000);
    CHECK(a_events.lost.empty());
    CHECK(b_events.lost.empty());
  }
  RunFor(*f.loop, milliseconds(50));
}

TEST_CASE("a restarted relay is survived: the client allocates again", "[turn]") {
  Fixture f;
  if (!f.Start()) return;
  Recorder recorder;
  {
    auto client = TurnClient::Start(*f.loop, f.Server(), recorder, f.options).value();
    REQUIRE(RunUntil(*f.loop, [&] { return client->allocated(); }));
    f.relay->Stop();
    REQUIRE(RunUntil(*f.loop, [&] { return !recorder.lost.empty(); }));
    CHECK_FALSE(client->allocated());
    REQUIRE(f.relay->Restart().has_value());
    REQUIRE(RunUntil(*f.loop, [&] { return client->allocated(); }));
    CHECK(recorder.allocated.size() == 2);
  }
  RunFor(*f.loop, milliseconds(50));
}

}  // namespace shoal::net
