// Relayed sessions on two legs (docs/protocol.md "Two legs"): real
// managers on loopback behind a stand-in relay. Which connection carried
// which direction is read from the kernel (TCP_INFO).
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "net/loop/tcp_stream.h"
#include "net/peer/peer_manager.h"
#include "net/peer/tcp_dialer.h"
#include "net/wire/leg_opening.h"
#include "tests/net/peer/peer_manager_harness.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/tcp_counts.h"

namespace shoal::net {
namespace {

using shoal::testing::TcpCountsOf;
using std::chrono::milliseconds;
using testing::Fixture;
using testing::Node;
using testing::Pair;
using testing::RunUntil;
using testing::StandInRelay;

constexpr int kBatches = 4;
constexpr std::uint64_t kBulk = 1 << 20;  // on the wire each way, at least

// Each side sends the other kBatches large index updates at once and waits
// for the other's to arrive whole.
void BulkBothWays(EventLoop& loop, Node& a, Node& b) {
  const int a_before = a.events.messages[b.id()], b_before = b.events.messages[a.id()];
  REQUIRE(a.events.sessions[b.id()]->Send(wire::ClusterConfig{}));
  REQUIRE(b.events.sessions[a.id()]->Send(wire::ClusterConfig{}));
  for (int i = 0; i < kBatches; ++i) {
    REQUIRE(a.events.sessions[b.id()]->Send(testing::BulkyBatch(i, 600)));
    REQUIRE(b.events.sessions[a.id()]->Send(testing::BulkyBatch(100 + i, 600)));
  }
  REQUIRE(RunUntil(loop, [&] {
    return a.events.messages[b.id()] == a_before + 1 + kBatches &&
           b.events.messages[a.id()] == b_before + 1 + kBatches;
  }));
}

// Bulk both ways on the one relayed connection `fd`: it carried both.
void CheckOneConnectionBothWays(EventLoop& loop, Node& a, Node& b, int fd) {
  BulkBothWays(loop, a, b);
  // The last ACK is counted a moment after the peer has the bytes.
  CHECK(RunUntil(loop, [&] { return TcpCountsOf(fd).acked >= kBulk; }));
  CHECK(TcpCountsOf(fd).received >= kBulk);
}

// The session is still the first one: nothing ended it.
void CheckStillUp(Node& a, Node& b) {
  CHECK(a.events.live[b.id()] == 1);
  CHECK(a.events.downs[b.id()] == 0);
  CHECK(b.events.downs[a.id()] == 0);
}

}  // namespace

TEST_CASE("a relayed session runs on two legs, each connection carrying one direction",
          "[peer][legs]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    StandInRelay relay(*f.loop, b);
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    CHECK(a.manager->Stats(b.id())->path == PathClass::kRelayed);
    CHECK(a.manager->Stats(b.id())->legs == 2);
    CHECK(b.manager->Stats(a.id())->legs == 2);
    REQUIRE(relay.fds.size() == 2);
    // The legs connect together, so either may be accepted first: the
    // second is the one whose only bytes in are its opening.
    const bool second_is_0 = TcpCountsOf(relay.fds[0]).received == wire::kLegOpeningSize;
    const int first = relay.fds[second_is_0 ? 1 : 0], second = relay.fds[second_is_0 ? 0 : 1];
    BulkBothWays(*f.loop, a, b);
    CHECK(TcpCountsOf(first).received >= kBulk);
    CHECK(RunUntil(*f.loop, [&] { return TcpCountsOf(second).acked >= kBulk; }));
    // b wrote its preamble on the first leg and everything else on the
    // second; back on each came only nudges (one byte per 64 KiB read).
    const auto first_counts = TcpCountsOf(first), second_counts = TcpCountsOf(second);
    CHECK(first_counts.acked <=
          wire::kPreambleSize + first_counts.received / TcpStream::kNudgeEvery + 1);
    CHECK(second_counts.received <=
          wire::kLegOpeningSize + second_counts.acked / TcpStream::kNudgeEvery);
    CheckStillUp(a, b);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("with two legs turned off a relayed session is one connection both ways",
          "[peer][legs]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), milliseconds(10000),
           [](PeerManagerOptions& o) { o.two_legs = false; });
    Node b(*f.loop, 2, 22);
    Pair(a, b);
    StandInRelay relay(*f.loop, b);
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    REQUIRE(relay.fds.size() == 1);
    CHECK(a.manager->Stats(b.id())->legs == 1);
    CHECK(b.manager->Stats(a.id())->legs == 1);
    CheckOneConnectionBothWays(*f.loop, a, b, relay.fds[0]);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE(
    "a relayed peer from before two legs answers on the first leg, and the session runs there",
    "[peer][legs]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    // b's plain listener treats both connections as sessions, as a Shoal
    // before two legs does: the offer is ignored, the opening refused.
    a.manager->SetAddresses(b.id(), {std::string(kRelayScheme) + b.address()});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    CHECK(a.manager->Stats(b.id())->path == PathClass::kRelayed);
    CHECK(a.manager->Stats(b.id())->legs == 1);
    BulkBothWays(*f.loop, a, b);
    CheckStillUp(a, b);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("a second leg that never reaches the responder costs its wait, then one connection",
          "[peer][legs]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11);
    Node b(*f.loop, 2, 22, 0, milliseconds(20), milliseconds(50), milliseconds(10000),
           [](PeerManagerOptions& o) { o.leg_wait = milliseconds(300); });
    Pair(a, b);
    StandInRelay relay(*f.loop, b);
    // The second leg connects, but somewhere that never passes it on.
    std::vector<UvHandle<uv_tcp_t>> swallowed;
    testing::TcpListener hole(*f.loop,
                              [&](UvHandle<uv_tcp_t> tcp) { swallowed.push_back(std::move(tcp)); });
    a.manager->SetSecondLegDialer([&](const std::string&, milliseconds timeout,
                                      DialDone done) -> Result<std::unique_ptr<PendingDial>> {
      auto tcp = TcpDialer::Start(*f.loop, "127.0.0.1:" + std::to_string(hole.port()), timeout,
                                  std::move(done));
      if (!tcp) return tcp.error();
      return std::unique_ptr<PendingDial>(std::move(*tcp));
    });
    const auto start = std::chrono::steady_clock::now();
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    // b answered only after waiting for the second leg.
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(300));
    CHECK(swallowed.size() == 1);
    CHECK(relay.fds.size() == 1);
    CHECK(a.manager->Stats(b.id())->legs == 1);
    CheckOneConnectionBothWays(*f.loop, a, b, relay.fds[0]);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

}  // namespace shoal::net
