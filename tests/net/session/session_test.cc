// Session over real loopback TCP: handshake, Hello, every message type both
// ways, pipelined requests, backpressure and rekeying.
#include "net/session/session.h"

#include <catch2/catch.hpp>

#include "net/wire/record_packer.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

using testing::SessionPair;
using testing::TestOptions;

wire::ClusterConfig OneFolder(const DeviceId& self) {
  wire::ClusterConfig config;
  config.folders.push_back({.id = "photos", .label = "Photos", .hash_seed = 7, .devices = {}});
  config.folders[0].devices.push_back({.device = self, .index_id = 99, .max_sequence = 0});
  return config;
}

// Each side sends a ClusterConfig with one folder; true once each has the
// other's.
bool ExchangeClusterConfigs(SessionPair& pair) {
  if (!pair.responder->Send(OneFolder(pair.responder_identity.device_id())) ||
      !pair.initiator->Send(OneFolder(pair.initiator_identity.device_id()))) {
    return false;
  }
  return testing::RunUntil(*pair.loop, [&] {
    return pair.initiator_events.cluster_configs.size() == 1 &&
           pair.responder_events.cluster_configs.size() == 1;
  });
}

// Reassembles the pieces of each request's block, in arrival order.
Bytes Join(const std::vector<wire::Response>& pieces, std::uint32_t request_id) {
  Bytes block;
  for (const auto& piece : pieces) {
    if (piece.request_id != request_id) continue;
    REQUIRE(piece.offset == block.size());
    block.insert(block.end(), piece.data.begin(), piece.data.end());
  }
  return block;
}

}  // namespace

TEST_CASE("two paired devices handshake, exchange Hello and messages both ways", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(pair.RunUntilEstablished());
  CHECK(pair.initiator_events.hello->device_name == "beta");
  CHECK(pair.responder_events.hello->device_name == "alpha");
  CHECK(pair.initiator->peer() == pair.responder_identity.device_id());
  CHECK(pair.responder->peer() == pair.initiator_identity.device_id());

  wire::Index index = testing::BulkyBatch(1, 300);  // several records, even compressed
  const wire::IndexUpdate update = testing::BulkyBatch(2, 40);
  const Bytes block = shoal::testing::RandomBytes(kMaxBlockSize, 3);  // 4 MiB
  wire::Compressor zstd;
  REQUIRE(wire::PackMessage(wire::RecordType::kIndex, wire::Encode(index), zstd).size() >= 3);
  REQUIRE(pair.initiator->Send(OneFolder(pair.initiator_identity.device_id())));
  REQUIRE(pair.responder->Send(OneFolder(pair.responder_identity.device_id())));
  REQUIRE(pair.initiator->Send(index));
  REQUIRE(pair.responder->Send(update));
  REQUIRE(pair.initiator->SendPing());
  pair.responder_events.on_request = [&](const wire::Request& request) {
    CHECK(pair.responder->SendResponse(request.request_id, wire::ResponseCode::kOk, block));
  };
  REQUIRE(pair.initiator->Send(wire::Request{.request_id = 5,
                                             .folder = "photos",
                                             .name = "a.jpg",
                                             .offset = 0,
                                             .size = kMaxBlockSize,
                                             .hash = {}}));

  REQUIRE(testing::RunUntil(*pair.loop, [&] {
    return Join(pair.initiator_events.responses, 5).size() == block.size() &&
           pair.responder_events.pings == 1 && !pair.initiator_events.index_updates.empty();
  }));
  CHECK(pair.responder_events.log == std::vector<std::string>{"ClusterConfig", "Index", "Request"});
  CHECK(pair.responder_events.indexes.at(0) == index);
  CHECK(pair.initiator_events.index_updates.at(0) == update);
  CHECK(pair.initiator_events.cluster_configs.at(0) ==
        OneFolder(pair.responder_identity.device_id()));
  CHECK(Join(pair.initiator_events.responses, 5) == block);

  pair.initiator->Close();
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.initiator_events.end->end == SessionEnd::kLocalClose);
  CHECK(pair.responder_events.end->end == SessionEnd::kClosedByPeer);
  CHECK(pair.responder_events.closes.at(0).reason == wire::CloseReason::kNormal);
}

TEST_CASE("64 pipelined requests are answered in order", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(pair.RunUntilEstablished());
  REQUIRE(pair.responder->Send(OneFolder(pair.responder_identity.device_id())));
  REQUIRE(testing::RunUntil(*pair.loop,
                            [&] { return !pair.initiator_events.cluster_configs.empty(); }));
  pair.responder_events.on_request = [&](const wire::Request& request) {
    Bytes block = shoal::testing::RandomBytes(request.size, request.request_id);
    CHECK(pair.responder->SendResponse(request.request_id, wire::ResponseCode::kOk, block));
  };
  constexpr std::uint32_t kRequests = 64;
  for (std::uint32_t id = 0; id < kRequests; ++id) {
    REQUIRE(pair.initiator->Send(wire::Request{.request_id = id,
                                               .folder = "photos",
                                               .name = "big.bin",
                                               .offset = std::int64_t{id} * 100'000,
                                               .size = 100'000,  // two pieces each
                                               .hash = {}}));
  }
  REQUIRE(testing::RunUntil(
      *pair.loop, [&] { return pair.initiator_events.responses.size() == 2 * kRequests; }));
  for (std::uint32_t id = 0; id < kRequests; ++id) {
    CHECK(pair.initiator_events.responses[2 * id].request_id == id);
    CHECK(Join(pair.initiator_events.responses, id) == shoal::testing::RandomBytes(100'000, id));
  }
}

TEST_CASE("the write queue reports backpressure and calls back once drained", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  SessionOptions small = TestOptions("beta");
  small.write_high_water = 64 * 1024;
  small.write_low_water = 16 * 1024;
  small.write_queue_limit = 6 << 20;
  pair.Start(TestOptions("alpha"), small);
  REQUIRE(pair.RunUntilEstablished());
  REQUIRE(pair.responder->Send(OneFolder(pair.responder_identity.device_id())));
  REQUIRE(pair.initiator->Send(wire::Request{.request_id = 1,
                                             .folder = "photos",
                                             .name = "x",
                                             .offset = 0,
                                             .size = kMaxBlockSize,
                                             .hash = {}}));
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return !pair.responder_events.requests.empty(); }));

  const Bytes block = shoal::testing::RandomBytes(kMaxBlockSize, 9);
  CHECK(pair.responder->writable());
  REQUIRE(pair.responder->SendResponse(1, wire::ResponseCode::kOk, block));
  CHECK(pair.responder->WriteQueueBytes() > small.write_high_water);
  CHECK_FALSE(pair.responder->writable());
  // Over the hard limit: refused whole, nothing queued.
  const std::size_t queued = pair.responder->WriteQueueBytes();
  auto refused = pair.responder->SendResponse(1, wire::ResponseCode::kOk, block);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kBusy);
  CHECK(pair.responder->WriteQueueBytes() == queued);

  REQUIRE(testing::RunUntil(*pair.loop, [&] { return pair.responder_events.writable_calls == 1; }));
  CHECK(pair.responder->writable());
  CHECK(pair.responder->WriteQueueBytes() <= small.write_low_water);
  REQUIRE(testing::RunUntil(
      *pair.loop, [&] { return Join(pair.initiator_events.responses, 1).size() == block.size(); }));
  CHECK(Join(pair.initiator_events.responses, 1) == block);
}

TEST_CASE("both directions rekey after 2^16 messages and keep working", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(pair.RunUntilEstablished());
  constexpr int kPings = (1 << 16) + 100;
  for (int i = 0; i < kPings; ++i) {
    REQUIRE(pair.initiator->SendPing());
    REQUIRE(pair.responder->SendPing());
  }
  REQUIRE(ExchangeClusterConfigs(pair));
  CHECK(pair.initiator_events.pings >= kPings);
  CHECK(pair.responder_events.pings >= kPings);
  CHECK(pair.initiator->established());
  CHECK(pair.responder->established());
}

TEST_CASE("sending before the session is established is refused", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return pair.initiator != nullptr; }));
  auto early = pair.initiator->SendPing();
  REQUIRE_FALSE(early);
  CHECK(early.error().code == ErrorCode::kInvalidArgument);
  REQUIRE(pair.RunUntilEstablished());
}

TEST_CASE("sessions use AESGCM when both devices offer it and ChaChaPoly when one does not",
          "[net][session][cipher]") {
  const NoiseCipher best = AesGcmAvailable() ? NoiseCipher::kAesGcm : NoiseCipher::kChaChaPoly;
  if (!AesGcmAvailable()) WARN("this CPU lacks AES-NI: every case expects ChaChaPoly");
  struct Case {
    bool initiator_offers, responder_offers;
    NoiseCipher expected;
  };
  for (const Case& c : {Case{true, true, best}, Case{true, false, NoiseCipher::kChaChaPoly},
                        Case{false, true, NoiseCipher::kChaChaPoly}}) {
    INFO("initiator offers AESGCM: " << c.initiator_offers
                                     << ", responder: " << c.responder_offers);
    const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
    INFO("over " << testing::TransportName(transport));
    SessionPair pair(transport);
    SessionOptions alpha = TestOptions("alpha"), beta = TestOptions("beta");
    alpha.offer_aes_gcm = c.initiator_offers;
    beta.offer_aes_gcm = c.responder_offers;
    pair.Start(alpha, beta);
    REQUIRE(pair.RunUntilEstablished());
    CHECK(pair.initiator->cipher() == c.expected);
    CHECK(pair.responder->cipher() == c.expected);
    // Messages flow under the chosen cipher (a 4 MiB block: many frames).
    const Bytes block = shoal::testing::RandomBytes(kMaxBlockSize, 9);
    REQUIRE(pair.initiator->Send(OneFolder(pair.initiator_identity.device_id())));
    REQUIRE(pair.responder->Send(OneFolder(pair.responder_identity.device_id())));
    pair.responder_events.on_request = [&](const wire::Request& request) {
      CHECK(pair.responder->SendResponse(request.request_id, wire::ResponseCode::kOk, block));
    };
    REQUIRE(pair.initiator->Send(wire::Request{.request_id = 1,
                                               .folder = "photos",
                                               .name = "a",
                                               .offset = 0,
                                               .size = kMaxBlockSize,
                                               .hash = {}}));
    REQUIRE(testing::RunUntil(*pair.loop, [&] {
      return Join(pair.initiator_events.responses, 1).size() == block.size();
    }));
    CHECK(Join(pair.initiator_events.responses, 1) == block);
    pair.Shutdown();
  }
}

TEST_CASE("a man in the middle who strips AESGCM from both preambles fails the handshake",
          "[net][session][cipher]") {
  if (!AesGcmAvailable()) {
    WARN(
        "NOT RUN: this CPU lacks AES-NI, so AESGCM is never offered and there is nothing to strip");
    return;
  }
  SessionPair pair;
  pair.Listen(TestOptions("beta"));
  // Byte 7 of each side's preamble is its cipher offer: leave only ChaChaPoly.
  auto strip = [](std::uint64_t offset, Bytes& chunk) {
    if (offset <= 7 && offset + chunk.size() > 7) chunk[7 - offset] = wire::kOfferChaChaPoly;
  };
  testing::TcpProxy proxy(*pair.loop, pair.listener->port(), strip, strip);
  pair.Dial(TestOptions("alpha"), {}, proxy.port());
  REQUIRE(pair.RunUntilEnded());
  CHECK_FALSE(pair.initiator_events.hello.has_value());
  CHECK_FALSE(pair.responder_events.hello.has_value());
  CHECK(pair.initiator_events.end->end == SessionEnd::kProtocolError);
  CHECK_THAT(pair.initiator_events.end->detail, Catch::Contains("handshake"));
}

TEST_CASE("a backlog of messages is delivered over several loop turns, not in one",
          "[net][session][backlog]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(pair.RunUntilEstablished());
  REQUIRE(ExchangeClusterConfigs(pair));

  // 400 small updates, all sent before the receiver handles any. Handling
  // each costs 0.5 ms (as a commit would), 200 ms in all, ten times the
  // delivery budget: a timer armed at the first must fire long before the
  // last, because other handles get their turn in between.
  constexpr int kUpdates = 400;
  for (int i = 0; i < kUpdates; ++i) {
    wire::IndexUpdate update = testing::BulkyBatch(static_cast<std::uint64_t>(i), 1);
    REQUIRE(pair.responder->Send(update));
  }
  auto timer = std::move(Timer::Create(*pair.loop).value());
  int delivered_when_timer_fired = -1;
  int delivered = 0;
  pair.initiator_events.on_index_update = [&] {
    if (++delivered == 1) {
      timer->Start(std::chrono::milliseconds(1), [&] { delivered_when_timer_fired = delivered; });
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
    while (std::chrono::steady_clock::now() < until) {
    }
  };
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return delivered == kUpdates; }));
  CHECK(delivered_when_timer_fired > 0);
  CHECK(delivered_when_timer_fired < kUpdates / 2);
  // In order, and nothing lost.
  for (int i = 0; i < kUpdates; ++i) {
    CHECK(pair.initiator_events.index_updates.at(static_cast<std::size_t>(i)) ==
          testing::BulkyBatch(static_cast<std::uint64_t>(i), 1));
  }
  // Reading resumed: the session still works both ways.
  REQUIRE(pair.initiator->SendPing());
  REQUIRE(pair.responder->SendPing());
  REQUIRE(testing::RunUntil(*pair.loop, [&] {
    return pair.initiator_events.pings >= 1 && pair.responder_events.pings >= 1;
  }));
  pair.initiator->Close();
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.initiator_events.end->end == SessionEnd::kLocalClose);
}

}  // namespace shoal::net
