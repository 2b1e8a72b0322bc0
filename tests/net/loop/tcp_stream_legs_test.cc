// TcpStream with two legs (net/loop/tcp_stream.h, docs/protocol.md "Two
// legs"): each direction on a connection of its own, over loopback. Which
// leg carried what is read from the kernel (TCP_INFO), not from our code.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "net/loop/tcp_stream.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/tcp_counts.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

using testing::RunUntil;

struct Events : ByteStream::Listener {
  void OnRead(ByteSpan bytes) override { read.insert(read.end(), bytes.begin(), bytes.end()); }
  void OnEof() override { ++eofs; }
  void OnStreamError(std::string_view, int status) override { errors.push_back(status); }
  void OnShutdown() override { ++shutdowns; }
  void OnDrained() override {}
  void OnClosed() override { ++closes; }
  Bytes read;
  int eofs = 0, shutdowns = 0, closes = 0;
  std::vector<int> errors;
};

using shoal::testing::TcpCounts;
using shoal::testing::TcpCountsOf;

int FdOf(const UvHandle<uv_tcp_t>& tcp) {
  uv_os_fd_t fd = -1;
  REQUIRE(uv_fileno(tcp.handle(), &fd) == 0);
  return fd;
}

// Two loopback connections: the dialed ends (a session's initiator) and
// the accepted ones (its responder).
struct Legs {
  Legs() : loop(std::move(EventLoop::Create().value())) {
    listener = std::make_unique<testing::TcpListener>(
        *loop, [this](UvHandle<uv_tcp_t> tcp) { accepted.push_back(std::move(tcp)); });
    for (int i = 0; i < 2; ++i) {
      testing::DialLoopback(*loop, listener->port(),
                            [this](UvHandle<uv_tcp_t> tcp) { dialed.push_back(std::move(tcp)); });
      REQUIRE(RunUntil(*loop, [&] {
        return dialed.size() == std::size_t(i + 1) && accepted.size() == std::size_t(i + 1);
      }));
    }
    for (int i = 0; i < 2; ++i) {
      dialed_fd[i] = FdOf(dialed[i]);
      accepted_fd[i] = FdOf(accepted[i]);
    }
  }
  ~Legs() {
    initiator.reset();
    responder.reset();
    dialed.clear();
    accepted.clear();
    listener.reset();
    CHECK(loop->Close().has_value());  // a leaked handle fails here
  }

  // Both dialed connections as the initiator's stream, or both accepted
  // ones as the responder's.
  void InitiatorLegs() {
    initiator = std::move(TcpStream::AdoptLegs(std::move(dialed[0]), std::move(dialed[1]),
                                               TcpStream::LegRole::kInitiator)
                              .value());
  }
  void ResponderLegs() {
    responder = std::move(TcpStream::AdoptLegs(std::move(accepted[0]), std::move(accepted[1]),
                                               TcpStream::LegRole::kResponder)
                              .value());
  }

  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<testing::TcpListener> listener;
  std::vector<UvHandle<uv_tcp_t>> dialed, accepted;
  int dialed_fd[2] = {-1, -1}, accepted_fd[2] = {-1, -1};
  ByteStreamPtr initiator, responder;
  Events initiator_events, responder_events;
};

Bytes Send(ByteStream& stream, std::uint64_t seed) {
  Bytes sent;
  for (int i = 0; i < 16; ++i) {
    Bytes chunk = shoal::testing::RandomBytes(256 * 1024, seed + i);
    sent.insert(sent.end(), chunk.begin(), chunk.end());
    REQUIRE(stream.Write(std::move(chunk)));
  }
  return sent;
}

}  // namespace

TEST_CASE("two legs: bulk both ways at once, each connection carrying one direction",
          "[net][loop][stream][legs]") {
  Legs legs;
  legs.InitiatorLegs();
  legs.ResponderLegs();
  CHECK(legs.initiator->has_second_leg());
  REQUIRE(legs.initiator->Start(&legs.initiator_events, {}));
  REQUIRE(legs.responder->Start(&legs.responder_events, {}));
  // The responder's answer (its preamble, in a session) on the first leg,
  // the rest on the second; the initiator switches once it has the answer.
  const Bytes answer = {'S', 'H', 'O', 'L', 0, 2, 1, 0x41};
  REQUIRE(legs.responder->Write(answer));
  legs.responder->UseSecondLeg();
  const Bytes back = Send(*legs.responder, 100);
  REQUIRE(RunUntil(*legs.loop, [&] { return legs.initiator_events.read.size() == answer.size(); }));
  testing::RunFor(*legs.loop, std::chrono::milliseconds(50));
  CHECK(legs.initiator_events.read == answer);  // nothing else until the switch
  legs.initiator->UseSecondLeg();
  const Bytes forth = Send(*legs.initiator, 1);
  REQUIRE(RunUntil(*legs.loop, [&] {
    return legs.responder_events.read.size() == forth.size() &&
           legs.initiator_events.read.size() == answer.size() + back.size();
  }));
  CHECK(legs.responder_events.read == forth);
  CHECK(Bytes(legs.initiator_events.read.begin() + answer.size(),
              legs.initiator_events.read.end()) == back);
  // The first connection carried the initiator's bytes and back only the
  // answer and the responder's nudges, at most one byte per kNudgeEvery
  // it read;
  // the second the responder's bytes and the initiator's nudges.
  // The sender's socket counts the last ACK a moment after the reader has
  // the bytes (a delayed ACK can take 40 ms): read the counts until it has.
  TcpCounts first, second;
  RunUntil(*legs.loop, [&] {
    first = TcpCountsOf(legs.accepted_fd[0]);
    second = TcpCountsOf(legs.accepted_fd[1]);
    return second.acked >= back.size();
  });
  const std::size_t nudges_back = forth.size() / TcpStream::kNudgeEvery;
  const std::size_t nudges_forth = back.size() / TcpStream::kNudgeEvery;
  CHECK(first.received == forth.size());
  CHECK(first.acked > answer.size() + 1);
  CHECK(first.acked <= answer.size() + nudges_back + 1);
  CHECK(second.received > 0);
  CHECK(second.received <= nudges_forth);
  CHECK(second.acked >= back.size());
  CHECK(second.acked <= back.size() + 1);
  // Each side's half-close reaches the other on the leg it reads.
  legs.responder->Shutdown();
  REQUIRE(RunUntil(*legs.loop, [&] { return legs.initiator_events.eofs == 1; }));
  legs.initiator->Shutdown();
  REQUIRE(RunUntil(*legs.loop, [&] { return legs.responder_events.eofs == 1; }));
  CHECK(legs.initiator_events.shutdowns == 1);
  CHECK(legs.responder_events.shutdowns == 1);
  CHECK(legs.initiator_events.errors.empty());
  CHECK(legs.responder_events.errors.empty());
  legs.initiator->Close();
  legs.responder->Close();
  REQUIRE(RunUntil(*legs.loop, [&] {
    return legs.initiator_events.closes == 1 && legs.responder_events.closes == 1;
  }));
}

TEST_CASE(
    "two legs: a peer that answers on the first leg alone is read there, and the second is "
    "dropped unread",
    "[net][loop][stream][legs]") {
  Legs legs;
  legs.InitiatorLegs();
  // A peer from before two legs: one connection both ways; on the other it
  // reads the opening, answers with a refusal and closes.
  legs.responder = std::move(TcpStream::Adopt(std::move(legs.accepted[0])).value());
  ByteStreamPtr refuser = std::move(TcpStream::Adopt(std::move(legs.accepted[1])).value());
  Events refuser_events;
  REQUIRE(legs.initiator->Start(&legs.initiator_events, {}));
  REQUIRE(legs.responder->Start(&legs.responder_events, {}));
  REQUIRE(refuser->Start(&refuser_events, {}));
  REQUIRE(legs.initiator->WriteSecondLeg(Bytes{'l', 'e', 'g'}));
  REQUIRE(RunUntil(*legs.loop, [&] { return refuser_events.read.size() == 3; }));
  REQUIRE(refuser->Write(Bytes{'n', 'o'}));
  const Bytes back = Send(*legs.responder, 70);
  const Bytes forth = Send(*legs.initiator, 7);
  REQUIRE(RunUntil(*legs.loop, [&] {
    return legs.responder_events.read.size() == forth.size() &&
           legs.initiator_events.read.size() == back.size();
  }));
  legs.initiator->DropSecondLeg();
  CHECK_FALSE(legs.initiator->has_second_leg());
  REQUIRE(
      RunUntil(*legs.loop, [&] { return refuser_events.eofs + refuser_events.errors.size() > 0; }));
  CHECK(legs.responder_events.read == forth);
  CHECK(legs.initiator_events.read == back);  // the refusal was never read
  CHECK(legs.initiator_events.errors.empty());
  legs.responder->Shutdown();
  REQUIRE(RunUntil(*legs.loop, [&] { return legs.initiator_events.eofs == 1; }));
  legs.initiator->Close();
  REQUIRE(RunUntil(*legs.loop, [&] { return legs.initiator_events.closes == 1; }));
  refuser.reset();
}

TEST_CASE("two legs: data on the leg a side only writes on is an error",
          "[net][loop][stream][legs]") {
  Legs legs;
  legs.ResponderLegs();
  ByteStreamPtr liar = std::move(TcpStream::Adopt(std::move(legs.dialed[1])).value());
  Events liar_events;
  REQUIRE(legs.responder->Start(&legs.responder_events, {}));
  REQUIRE(liar->Start(&liar_events, {}));
  // Nudges (zero bytes) are what may come there, and are dropped.
  REQUIRE(liar->Write(Bytes(3, TcpStream::kNudge)));
  testing::RunFor(*legs.loop, std::chrono::milliseconds(100));
  CHECK(legs.responder_events.errors.empty());
  REQUIRE(liar->Write(Bytes{0, 2, 3}));
  REQUIRE(RunUntil(*legs.loop, [&] { return !legs.responder_events.errors.empty(); }));
  CHECK(legs.responder_events.errors.front() == UV_EPROTO);
  CHECK(legs.responder_events.read.empty());
  liar.reset();
}

}  // namespace shoal::net
