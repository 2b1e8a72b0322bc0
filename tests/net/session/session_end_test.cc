// How sessions end: refusal of unpaired devices, corrupted or cut streams,
// timeouts and keepalive.
#include <catch2/catch.hpp>

#include "net/session/session.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net {
namespace {

using testing::SessionPair;
using testing::TestOptions;

// An owner that shares a folder as soon as it can: whatever it sends must
// never reach an unpaired device.
void ShareOnEstablished(SessionPair& pair, bool initiator) {
  testing::Recorder& events = initiator ? pair.initiator_events : pair.responder_events;
  events.on_established = [&pair, initiator] {
    Session& session = initiator ? *pair.initiator : *pair.responder;
    wire::ClusterConfig config;
    config.folders.push_back({.id = "secret", .label = "Secret", .hash_seed = 1, .devices = {}});
    CHECK(session.Send(config));
    CHECK(session.Send(wire::Index{.folder = "secret", .files = {}}));
  };
}

// Bytes the initiator sends before its first transport frame: preamble,
// handshake messages 1 (e) and 3 (s + tag, payload tag), each framed.
constexpr std::size_t kInitiatorHandshakeBytes = 8 + (2 + 32) + (2 + 48 + 16);

}  // namespace

TEST_CASE("a responder refuses an unpaired initiator, which receives only Close",
          "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  ShareOnEstablished(pair, /*initiator=*/true);
  ShareOnEstablished(pair, /*initiator=*/false);
  pair.Start(TestOptions("alpha"), TestOptions("beta"), {}, [](const DeviceId&) { return false; });
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.responder_events.end->end == SessionEnd::kUnauthorized);
  CHECK_FALSE(pair.responder_events.hello.has_value());
  CHECK(pair.responder_events.log.empty());
  CHECK(pair.initiator_events.end->end == SessionEnd::kClosedByPeer);
  CHECK_FALSE(pair.initiator_events.hello.has_value());
  CHECK(pair.initiator_events.log == std::vector<std::string>{"Close"});
  CHECK(pair.initiator_events.closes.at(0).reason == wire::CloseReason::kUnauthorized);
}

TEST_CASE("an initiator refuses an unpaired responder before sending anything else",
          "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  ShareOnEstablished(pair, /*initiator=*/true);
  ShareOnEstablished(pair, /*initiator=*/false);
  pair.Start(TestOptions("alpha"), TestOptions("beta"), [](const DeviceId&) { return false; });
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.initiator_events.end->end == SessionEnd::kUnauthorized);
  CHECK(pair.initiator_events.log.empty());
  CHECK(pair.responder_events.end->end == SessionEnd::kClosedByPeer);
  CHECK_FALSE(pair.responder_events.hello.has_value());
  CHECK(pair.responder_events.log == std::vector<std::string>{"Close"});
}

TEST_CASE("a flipped byte anywhere in a transport frame ends the session as a protocol error",
          "[net][session]") {
  const SessionOptions alpha = TestOptions("alpha");
  const std::size_t hello_frame =
      wire::kFrameHeaderSize + wire::kRecordHeaderSize + wire::Encode(alpha.hello).size() + kTagLen;
  // Every byte of the initiator's Hello frame, then a few of the next one.
  for (std::size_t i = 0; i < hello_frame + 8; ++i) {
    const std::uint64_t target = kInitiatorHandshakeBytes + i;
    SessionPair pair;
    // The initiator keeps talking after Hello so that a corrupted length is
    // followed by enough bytes to fill whatever frame it now announces.
    pair.initiator_events.on_established = [&] {
      wire::ClusterConfig config;
      config.folders.push_back({.id = "f", .label = "F", .hash_seed = 1, .devices = {}});
      // Refused (kInvalidArgument) once the responder's Close has arrived.
      (void)pair.initiator->Send(config);
      for (int n = 0; n < 12; ++n) (void)pair.initiator->SendPing();
      wire::IndexUpdate filler = testing::BulkyBatch(i, 200);
      filler.folder = "f";
      (void)pair.initiator->Send(filler);
    };
    pair.Listen(TestOptions("beta"));
    testing::TcpProxy proxy(*pair.loop, pair.listener->port(),
                            [target](std::uint64_t offset, Bytes& chunk) {
                              if (target >= offset && target < offset + chunk.size()) {
                                chunk[target - offset] ^= 0xFF;
                              }
                            });
    pair.Dial(alpha, {}, proxy.port());
    INFO("flipped byte " << i << " of the transport stream");
    REQUIRE(pair.RunUntilEnded());
    CHECK(pair.responder_events.end->end == SessionEnd::kProtocolError);
    CHECK(pair.initiator_events.end->end == SessionEnd::kClosedByPeer);
    CHECK(pair.initiator_events.closes.at(0).reason == wire::CloseReason::kProtocolError);
    if (i < hello_frame) CHECK_FALSE(pair.responder_events.hello.has_value());
  }
}

TEST_CASE("EOF without Close is reported as a truncation on both sides", "[net][session]") {
  SessionPair pair;
  pair.Listen(TestOptions("beta"));
  testing::TcpProxy proxy(*pair.loop, pair.listener->port());
  pair.Dial(TestOptions("alpha"), {}, proxy.port());
  REQUIRE(pair.RunUntilEstablished());
  proxy.ShutdownBoth();
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.initiator_events.end->end == SessionEnd::kTruncated);
  CHECK(pair.responder_events.end->end == SessionEnd::kTruncated);
  CHECK(pair.initiator_events.closes.empty());
  CHECK(pair.responder_events.closes.empty());
}

TEST_CASE("a responder whose peer says nothing times out in the handshake", "[net][session]") {
  SessionPair pair;
  SessionOptions quick = TestOptions("beta");
  quick.handshake_timeout = std::chrono::milliseconds(100);
  pair.Listen(quick);
  UvHandle<uv_tcp_t> silent;
  testing::DialLoopback(*pair.loop, pair.listener->port(),
                        [&](UvHandle<uv_tcp_t> tcp) { silent = std::move(tcp); });
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return pair.responder_events.end.has_value(); }));
  CHECK(pair.responder_events.end->end == SessionEnd::kTimeout);
  CHECK(silent);
}

TEST_CASE("an initiator whose peer accepts but never answers times out", "[net][session]") {
  SessionPair pair;
  std::vector<UvHandle<uv_tcp_t>> accepted;
  testing::TcpListener mute(*pair.loop,
                            [&](UvHandle<uv_tcp_t> tcp) { accepted.push_back(std::move(tcp)); });
  SessionOptions quick = TestOptions("alpha");
  quick.handshake_timeout = std::chrono::milliseconds(100);
  pair.Dial(quick, {}, mute.port());
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return pair.initiator_events.end.has_value(); }));
  CHECK(pair.initiator_events.end->end == SessionEnd::kTimeout);
}

TEST_CASE("a session that receives nothing for the idle timeout ends with kTimeout",
          "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  SessionOptions quiet_alpha = TestOptions("alpha");
  quiet_alpha.keepalive_interval = std::chrono::hours(1);
  SessionOptions impatient_beta = TestOptions("beta");
  impatient_beta.keepalive_interval = std::chrono::hours(1);
  impatient_beta.idle_timeout = std::chrono::milliseconds(100);
  pair.Start(quiet_alpha, impatient_beta);
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.responder_events.end->end == SessionEnd::kTimeout);
  CHECK(pair.initiator_events.end->end == SessionEnd::kClosedByPeer);
  CHECK(pair.initiator_events.closes.at(0).reason == wire::CloseReason::kTimeout);
}

TEST_CASE("keepalive pings keep an otherwise idle session alive", "[net][session]") {
  const auto transport = GENERATE(testing::Transport::kTcp, testing::Transport::kMemory);
  INFO("over " << testing::TransportName(transport));
  SessionPair pair(transport);
  SessionOptions alpha = TestOptions("alpha");
  alpha.keepalive_interval = std::chrono::milliseconds(30);
  alpha.idle_timeout = std::chrono::milliseconds(150);
  SessionOptions beta = alpha;
  beta.hello.device_name = "beta";
  pair.Start(alpha, beta);
  REQUIRE(pair.RunUntilEstablished());
  // Several idle timeouts long: without pings both sides would have ended.
  testing::RunFor(*pair.loop, std::chrono::milliseconds(750));
  CHECK_FALSE(pair.initiator_events.end.has_value());
  CHECK_FALSE(pair.responder_events.end.has_value());
  CHECK(pair.initiator_events.pings >= 3);
  CHECK(pair.responder_events.pings >= 3);
  pair.responder->Close();
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.responder_events.end->end == SessionEnd::kLocalClose);
  CHECK(pair.initiator_events.end->end == SessionEnd::kClosedByPeer);
}

TEST_CASE("a peer that is not a Shoal peer is refused in the preamble", "[net][session]") {
  SessionPair pair;
  pair.Listen(TestOptions("beta"));
  UvHandle<uv_tcp_t> raw;
  testing::DialLoopback(*pair.loop, pair.listener->port(), [&](UvHandle<uv_tcp_t> tcp) {
    static const char kHttp[] = "GET / HTTP/1.1\r\n\r\n";
    uv_buf_t buf = uv_buf_init(const_cast<char*>(kHttp), sizeof(kHttp) - 1);
    CHECK(uv_try_write(tcp.stream(), &buf, 1) == int(sizeof(kHttp) - 1));
    raw = std::move(tcp);
  });
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return pair.responder_events.end.has_value(); }));
  CHECK(pair.responder_events.end->end == SessionEnd::kProtocolError);
  CHECK_THAT(pair.responder_events.end->detail, Catch::Contains("not a Shoal peer"));
  CHECK(raw);
}

}  // namespace shoal::net
