// The ByteStream contract (net/loop/byte_stream.h), held by both
// transports: TcpStream over loopback and the in-memory pair that session
// tests use in its place (tests/support/memory_stream.h).
#include "net/loop/byte_stream.h"

#include <catch2/catch.hpp>

#include "net/loop/tcp_stream.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/memory_stream.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

using testing::RunUntil;
using testing::Transport;

struct Events : ByteStream::Listener {
  void OnRead(ByteSpan bytes) override {
    read.insert(read.end(), bytes.begin(), bytes.end());
    ++reads;
    if (on_read) on_read();
  }
  void OnEof() override { ++eofs; }
  void OnStreamError(std::string_view, int status) override { errors.push_back(status); }
  void OnShutdown() override { ++shutdowns; }
  void OnDrained() override { ++drains; }
  void OnClosed() override { ++closes; }

  Bytes read;
  int reads = 0, eofs = 0, shutdowns = 0, drains = 0, closes = 0;
  std::vector<int> errors;
  std::function<void()> on_read;
};

// Two connected, not yet started ends: `a` dialed (or first), `b` accepted.
struct StreamPair {
  explicit StreamPair(Transport transport) : loop(std::move(EventLoop::Create().value())) {
    if (transport == Transport::kMemory) {
      std::tie(a, b) = shoal::testing::MemoryStreamPair(*loop, {.max_read = 777});
      return;
    }
    listener = std::make_unique<testing::TcpListener>(*loop, [this](UvHandle<uv_tcp_t> tcp) {
      b = std::move(TcpStream::Adopt(std::move(tcp)).value());
    });
    testing::DialLoopback(*loop, listener->port(), [this](UvHandle<uv_tcp_t> tcp) {
      a = std::move(TcpStream::Adopt(std::move(tcp)).value());
    });
    REQUIRE(RunUntil(*loop, [this] { return a && b; }));
  }
  ~StreamPair() {
    a.reset();
    b.reset();
    listener.reset();
    CHECK(loop->Close().has_value());  // a leaked handle fails here
  }

  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<testing::TcpListener> listener;
  ByteStreamPtr a, b;
  Events a_events, b_events;
};

}  // namespace

TEST_CASE("a byte stream delivers every byte in order, then EOF after Shutdown",
          "[net][loop][stream]") {
  const Transport transport = GENERATE(Transport::kTcp, Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  StreamPair pair(transport);
  REQUIRE(pair.a->Start(&pair.a_events, {}));
  REQUIRE(pair.b->Start(&pair.b_events, {}));
  Bytes sent;
  shoal::testing::SplitMix64 rng(12);
  for (int i = 0; i < 200; ++i) {
    Bytes chunk = shoal::testing::RandomBytes(1 + rng.Next() % 20'000, rng.Next());
    sent.insert(sent.end(), chunk.begin(), chunk.end());
    REQUIRE(pair.a->Write(std::move(chunk)));
  }
  pair.a->Shutdown();
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.b_events.eofs == 1; }));
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.a_events.shutdowns == 1; }));
  CHECK(pair.b_events.read == sent);
  CHECK(pair.a->WriteQueueBytes() == 0);
  CHECK(pair.a_events.errors.empty());
  CHECK(pair.b_events.errors.empty());
  // Half-closed: the other direction still works.
  REQUIRE(pair.b->Write(Bytes{1, 2, 3}));
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.a_events.read.size() == 3; }));
  CHECK(pair.a_events.eofs == 0);
}

TEST_CASE("a byte stream counts queued bytes and calls OnDrained once below the low mark",
          "[net][loop][stream]") {
  const Transport transport = GENERATE(Transport::kTcp, Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  StreamPair pair(transport);
  REQUIRE(pair.a->Start(&pair.a_events, {.high = 64 * 1024, .low = 16 * 1024}));
  REQUIRE(pair.b->Start(&pair.b_events, {}));
  constexpr std::size_t kChunk = 1 << 20;
  for (int i = 0; i < 32; ++i) REQUIRE(pair.a->Write(pair.a->TakeBuffer(kChunk)));
  CHECK(pair.a->WriteQueueBytes() == 32 * kChunk);  // nothing completes before the loop runs
  CHECK(pair.a->AboveHighWater());
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.a_events.drains == 1; }));
  CHECK_FALSE(pair.a->AboveHighWater());
  CHECK(pair.a->WriteQueueBytes() <= 16 * 1024);
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.b_events.read.size() == 32 * kChunk; }));
  CHECK(pair.a_events.drains == 1);
  CHECK(pair.a->WriteQueueBytes() == 0);
}

TEST_CASE("closing a byte stream reports OnClosed once, the peer sees EOF, and writes fail",
          "[net][loop][stream]") {
  const Transport transport = GENERATE(Transport::kTcp, Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  StreamPair pair(transport);
  REQUIRE(pair.a->Start(&pair.a_events, {}));
  REQUIRE(pair.b->Start(&pair.b_events, {}));
  pair.a->Close();
  CHECK(pair.a->closing());
  auto refused = pair.a->Write(Bytes{1});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kIo);
  pair.a->Close();  // idempotent
  REQUIRE(
      RunUntil(*pair.loop, [&] { return pair.a_events.closes == 1 && pair.b_events.eofs == 1; }));
  testing::RunFor(*pair.loop, std::chrono::milliseconds(50));
  CHECK(pair.a_events.closes == 1);
  CHECK(pair.a_events.eofs == 0);
}

TEST_CASE("a byte stream may be destroyed from inside its own read callback",
          "[net][loop][stream]") {
  const Transport transport = GENERATE(Transport::kTcp, Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  StreamPair pair(transport);
  REQUIRE(pair.a->Start(&pair.a_events, {}));
  REQUIRE(pair.b->Start(&pair.b_events, {}));
  pair.b_events.on_read = [&] { pair.b.reset(); };
  REQUIRE(pair.a->Write(shoal::testing::RandomBytes(100'000, 5)));
  REQUIRE(RunUntil(*pair.loop, [&] { return !pair.b; }));
  testing::RunFor(*pair.loop, std::chrono::milliseconds(50));
  CHECK(pair.b_events.reads == 1);  // abandoned: no callback after the reset
  CHECK(pair.b_events.closes == 0);
  // ~StreamPair closes the loop: the abandoned end must have freed itself.
}

TEST_CASE("bytes written before the reader starts wait for it", "[net][loop][stream]") {
  const Transport transport = GENERATE(Transport::kTcp, Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  StreamPair pair(transport);
  REQUIRE(pair.a->Start(&pair.a_events, {}));
  const Bytes early = shoal::testing::RandomBytes(5'000, 6);
  REQUIRE(pair.a->Write(early));
  testing::RunFor(*pair.loop, std::chrono::milliseconds(50));
  REQUIRE(pair.b->Start(&pair.b_events, {}));
  REQUIRE(RunUntil(*pair.loop, [&] { return pair.b_events.read.size() == early.size(); }));
  CHECK(pair.b_events.read == early);
}

}  // namespace shoal::net
