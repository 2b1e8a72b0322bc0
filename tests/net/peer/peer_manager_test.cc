// PeerManager over loopback, several managers on one loop: connecting,
// refusing unpaired devices, the simultaneous-dial tie-break, reconnecting
// with backoff, Forget, DialNow and Shutdown, relayed sessions replaced by
// direct and punched ones.
#include "net/peer/peer_manager.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/base/scoped_fd.h"
#include "net/peer/tcp_listener.h"
#include "tests/net/peer/peer_manager_harness.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net {
namespace {

using std::chrono::milliseconds;
using testing::Events;
using testing::Fixture;
using testing::IdentityFromByte;
using testing::Node;
using testing::Pair;
using testing::RunFor;
using testing::RunUntil;
using testing::StandInRelay;

}  // namespace

TEST_CASE("a device dialing a paired device brings the peer up on both sides", "[peer]") {
  Fixture f;
  Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
  Pair(a, b);
  a.manager->SetAddresses(b.id(), {b.address()});
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
  CHECK(a.events.ups[b.id()] == 1);
  CHECK(b.events.ups[a.id()] == 1);
  CHECK(a.events.hellos[b.id()].device_name == "node2");
  CHECK(b.events.hellos[a.id()].device_name == "node1");
  CHECK(a.events.addresses[b.id()] == b.address());
  CHECK(b.events.addresses[a.id()] == "127.0.0.1");  // inbound: the host only
  CHECK(a.events.sessions[b.id()] == a.manager->SessionFor(b.id()));

  // The delegate sends on the session it was given; the other side's
  // delegate hears it under the sender's device ID.
  wire::ClusterConfig config;
  REQUIRE(a.events.sessions[b.id()]->Send(config));
  REQUIRE(RunUntil(*f.loop, [&] { return b.events.cluster_configs[a.id()] == 1; }));

  auto stats = a.manager->Stats(b.id());
  REQUIRE(stats.has_value());
  CHECK(stats->connected);
  CHECK(stats->address == b.address());
  CHECK(stats->bytes_out > 0);
  CHECK(stats->connected_since_ms > 0);
  REQUIRE(
      RunUntil(*f.loop, [&] { return b.manager->Stats(a.id())->bytes_in == stats->bytes_out; }));

  a.Stop(*f.loop);
  REQUIRE(RunUntil(*f.loop, [&] { return b.events.downs[a.id()] == 1; }));
  CHECK(a.events.downs[b.id()] == 1);
  CHECK(b.events.last_end[a.id()].end == SessionEnd::kClosedByPeer);
  b.Stop(*f.loop);
  f.Close();
}

TEST_CASE("an unpaired device is refused and the manager keeps serving paired ones", "[peer]") {
  Fixture f;
  Node a(*f.loop, 1, 11), b(*f.loop, 2, 22), stranger(*f.loop, 3, 33);
  Pair(a, b);
  stranger.events.paired.insert(a.id());  // it thinks it is paired; a does not
  stranger.manager->SetAddresses(a.id(), {a.address()});
  REQUIRE(RunUntil(*f.loop, [&] {
    auto stats = stranger.manager->Stats(a.id());
    return stats && stats->last_error.find("not paired") != std::string::npos;
  }));
  CHECK(a.events.ups.empty());
  CHECK(stranger.events.ups.empty());

  b.manager->SetAddresses(a.id(), {a.address()});
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
  CHECK_FALSE(a.Connected(stranger));
  CHECK(a.events.ups.size() == 1);

  stranger.Stop(*f.loop);
  b.Stop(*f.loop);
  a.Stop(*f.loop);
  CHECK(a.events.downs[b.id()] == 1);
  f.Close();
}

TEST_CASE("simultaneous dials leave one session, the same connection on both sides", "[peer]") {
  for (std::uint64_t round = 0; round < 4; ++round) {
    INFO("round " << round);
    Fixture f;
    // Alternate which side has the larger device ID.
    Node a(*f.loop, round % 2 == 0 ? 1 : 9, 100 + round), b(*f.loop, round % 2 == 0 ? 9 : 1, 200);
    Pair(a, b);
    a.manager->SetAddresses(b.id(), {b.address()});  // both dial in the same loop turn
    b.manager->SetAddresses(a.id(), {a.address()});
    REQUIRE(RunUntil(*f.loop, [&] {
      return a.Connected(b) && b.Connected(a) && a.manager->ConnectionCount() == 1 &&
             b.manager->ConnectionCount() == 1;
    }));
    RunFor(*f.loop, milliseconds(200));  // stays that way
    REQUIRE(a.manager->ConnectionCount() == 1);
    REQUIRE(b.manager->ConnectionCount() == 1);
    CHECK(a.events.live[b.id()] == 1);
    CHECK(b.events.live[a.id()] == 1);
    // The larger side held the losing inbound session back instead of
    // reporting it and replacing it: no OnPeerDown on either side.
    CHECK(a.events.ups[b.id()] == 1);
    CHECK(b.events.ups[a.id()] == 1);

    // Same connection: what one side sent is exactly what the other received.
    auto a_stats = a.manager->Stats(b.id());
    auto b_stats = b.manager->Stats(a.id());
    CHECK(a_stats->bytes_out == b_stats->bytes_in);
    CHECK(a_stats->bytes_in == b_stats->bytes_out);
    // ... and it is the one the larger device ID initiated.
    Node& larger = a.id() > b.id() ? a : b;
    Node& smaller = a.id() > b.id() ? b : a;
    CHECK(larger.manager->Stats(smaller.id())->address == smaller.address());
    CHECK(smaller.manager->Stats(larger.id())->address == "127.0.0.1");

    a.Stop(*f.loop);
    b.Stop(*f.loop);
    CHECK(a.events.live[b.id()] == 0);
    CHECK(b.events.live[a.id()] == 0);
    f.Close();
  }
}

TEST_CASE(
    "a session held back for our own pending dial is used, with its messages, when the dial fails",
    "[peer]") {
  Fixture f;
  // The larger device dials an address that accepts TCP and never answers,
  // so its outbound session waits for the handshake timeout.
  const bool one_larger = IdentityFromByte(1).device_id() > IdentityFromByte(9).device_id();
  Node big(*f.loop, one_larger ? 1 : 9, 11, 0, milliseconds(20), milliseconds(50),
           milliseconds(400));
  Node small(*f.loop, one_larger ? 9 : 1, 22);
  Pair(big, small);
  std::vector<UvHandle<uv_tcp_t>> silent;
  auto black_hole = TcpListener::Start(
      *f.loop, "127.0.0.1", 0,
      [&](UvHandle<uv_tcp_t> tcp, std::string) { silent.push_back(std::move(tcp)); });
  REQUIRE(black_hole.has_value());
  big.manager->SetAddresses(small.id(), {"127.0.0.1:" + std::to_string((*black_hole)->port())});
  REQUIRE(RunUntil(*f.loop, [&] { return big.manager->ConnectionCount() == 1; }));

  // The smaller device dials in and, once up, sends ClusterConfig at once.
  small.events.on_up = [](const DeviceId&, Session& session) {
    CHECK(session.Send(wire::ClusterConfig{}).has_value());
  };
  small.manager->SetAddresses(big.id(), {big.address()});
  REQUIRE(RunUntil(*f.loop, [&] { return small.Connected(big); }));
  // Its inbound session would lose to big's pending outbound one: held.
  CHECK_FALSE(big.Connected(small));
  CHECK(big.events.ups.empty());

  // big's outbound handshake times out; the held session is promoted and the
  // ClusterConfig that arrived meanwhile is delivered after OnPeerUp.
  REQUIRE(RunUntil(*f.loop, [&] { return big.Connected(small); }));
  CHECK(big.events.ups[small.id()] == 1);
  CHECK(big.events.cluster_configs[small.id()] == 1);
  CHECK(big.manager->Stats(small.id())->address == "127.0.0.1");
  CHECK(small.events.ups[big.id()] == 1);
  CHECK(small.events.downs[big.id()] == 0);

  silent.clear();
  black_hole->reset();
  big.Stop(*f.loop);
  small.Stop(*f.loop);
  f.Close();
}

TEST_CASE("a device reconnects after the peer's daemon restarts on the same port", "[peer]") {
  Fixture f;
  Node a(*f.loop, 1, 11);
  auto b = std::make_unique<Node>(*f.loop, 2, 22);
  Pair(a, *b);
  const int port = b->manager->listen_port();
  a.manager->SetAddresses(b->id(), {b->address()});
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(*b); }));

  b->manager.reset();  // a crash: connections dropped, no Close sent
  REQUIRE(RunUntil(*f.loop, [&] { return a.events.downs[b->id()] == 1; }));
  CHECK(a.events.last_end[b->id()].end != SessionEnd::kClosedByPeer);
  // While b is away, a keeps dialing and failing.
  REQUIRE(RunUntil(*f.loop, [&] {
    return a.manager->Stats(b->id())->last_error.find("refused") != std::string::npos;
  }));

  Events old_events = b->events;
  b = std::make_unique<Node>(*f.loop, 2, 23, port);
  b->events.paired = old_events.paired;
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(*b) && b->Connected(a); }));
  CHECK(a.events.ups[b->id()] == 2);
  CHECK(a.events.downs[b->id()] == 1);
  CHECK(a.manager->Stats(b->id())->connected);

  b->Stop(*f.loop);
  a.Stop(*f.loop);
  f.Close();
}

TEST_CASE("Forget closes the device's session and stops dialing it", "[peer]") {
  Fixture f;
  Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
  Pair(a, b);
  a.manager->SetAddresses(b.id(), {b.address()});
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));

  a.manager->Forget(b.id());
  CHECK(a.manager->SessionFor(b.id()) == nullptr);
  CHECK_FALSE(a.manager->Stats(b.id()).has_value());
  REQUIRE(RunUntil(*f.loop,
                   [&] { return a.events.downs[b.id()] == 1 && b.events.downs[a.id()] == 1; }));
  CHECK(a.events.last_end[b.id()].end == SessionEnd::kLocalClose);
  CHECK(b.events.last_end[a.id()].end == SessionEnd::kClosedByPeer);
  RunFor(*f.loop, milliseconds(300));  // many backoff periods: no redial
  CHECK(a.events.ups[b.id()] == 1);
  CHECK(a.manager->ConnectionCount() == 0);
  CHECK(b.manager->ConnectionCount() == 0);

  a.Stop(*f.loop);
  b.Stop(*f.loop);
  f.Close();
}

TEST_CASE("DialNow skips the backoff wait", "[peer]") {
  Fixture f;
  // A long backoff: without DialNow the second attempt is 30 s away.
  Node a(*f.loop, 1, 11, 0, std::chrono::seconds(30), std::chrono::seconds(60));
  Node b(*f.loop, 2, 22);
  Pair(a, b);
  a.manager->SetAddresses(b.id(), {"127.0.0.1:1"});  // refused
  REQUIRE(RunUntil(*f.loop, [&] {
    return a.manager->Stats(b.id())->last_error.find("refused") != std::string::npos;
  }));
  a.manager->SetAddresses(b.id(), {b.address()});  // keeps the running wait
  RunFor(*f.loop, milliseconds(100));
  CHECK_FALSE(a.Connected(b));
  a.manager->DialNow(b.id());
  REQUIRE(RunUntil(
      *f.loop, [&] { return a.Connected(b); }, std::chrono::seconds(10)));

  a.Stop(*f.loop);
  b.Stop(*f.loop);
  f.Close();
}

namespace {

// A loopback port that never answers a connect: a listener whose accept
// queue (backlog 0) is already full drops further SYNs, the way a stale
// address on a network that swallows packets does.
struct SynDropper {
  SynDropper() : listener(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(listener.get(), 0) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port = ntohs(address.sin_port);
    for (int i = 0; i < 4; ++i) {  // fill the queue; the later SYNs wait
      fillers.emplace_back(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
      (void)connect(fillers.back().get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  ScopedFd listener;
  std::vector<ScopedFd> fillers;
  int port = 0;
};

}  // namespace

TEST_CASE("a first address that never answers does not hold up the second: dials race", "[peer]") {
  Fixture f;
  // Each connect may wait a minute, so dialing in turn would not reach the
  // second address within the 10 s below; racing reaches it after 250 ms.
  Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), std::chrono::seconds(10),
         [](PeerManagerOptions& options) { options.dial_timeout = std::chrono::seconds(60); });
  Node b(*f.loop, 2, 22);
  Pair(a, b);
  SynDropper dead;
  a.manager->SetAddresses(b.id(), {dead.address(), b.address()});
  REQUIRE(RunUntil(
      *f.loop, [&] { return a.Connected(b) && b.Connected(a); }, std::chrono::seconds(10)));
  CHECK(a.manager->Stats(b.id())->address == b.address());
  CHECK(a.events.ups[b.id()] == 1);
  // The dead address's connect was cancelled with the win: only the session
  // is open, and nothing is dialed while it lasts.
  CHECK(a.manager->ConnectionCount() == 1);
  RunFor(*f.loop, milliseconds(600));
  CHECK(a.events.ups[b.id()] == 1);
  CHECK(a.manager->ConnectionCount() == 1);

  a.Stop(*f.loop);
  b.Stop(*f.loop);
  f.Close();
}

TEST_CASE("Shutdown ends sessions, dials and waits, and the loop closes cleanly", "[peer]") {
  Fixture f;
  Node a(*f.loop, 1, 11), b(*f.loop, 2, 22), c(*f.loop, 3, 33);
  Pair(a, b);
  Pair(a, c);
  a.manager->SetAddresses(b.id(), {b.address()});
  c.manager->SetAddresses(a.id(), {a.address()});
  const DeviceId nobody = IdentityFromByte(4).device_id();
  a.events.paired.insert(nobody);
  a.manager->SetAddresses(nobody, {"127.0.0.1:1"});  // refused, waiting to retry
  REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && a.Connected(c); }));

  bool done = false;
  a.manager->Shutdown([&] { done = true; });
  CHECK_FALSE(done);  // never from inside Shutdown
  REQUIRE(RunUntil(*f.loop, [&] { return done; }));
  CHECK(a.manager->ConnectionCount() == 0);
  CHECK(a.events.downs[b.id()] == 1);
  CHECK(a.events.downs[c.id()] == 1);
  a.manager.reset();
  REQUIRE(RunUntil(*f.loop, [&] { return b.events.downs[a.id()] == 1; }));
  b.Stop(*f.loop);
  c.Stop(*f.loop);
  f.Close();
}

TEST_CASE("a relayed session is replaced by a direct one as soon as a direct address works",
          "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    StandInRelay relay(*f.loop, b);
    const std::string& relayed = relay.address;
    a.manager->SetAddresses(b.id(), {relayed});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    CHECK(a.manager->Stats(b.id())->path == PathClass::kRelayed);
    CHECK(b.manager->Stats(a.id())->path == PathClass::kRelayed);
    // A direct address appears (a LAN sighting, say): a dials it while relayed.
    // On loopback, the session is a LAN one.
    a.manager->SetAddresses(b.id(), {relayed, b.address()});
    REQUIRE(RunUntil(*f.loop, [&] {
      auto sa = a.manager->Stats(b.id());
      auto sb = b.manager->Stats(a.id());
      return sa->connected && sa->path == PathClass::kLan && sb && sb->connected &&
             sb->path == PathClass::kLan;
    }));
    CHECK(a.events.ups[b.id()] == 2);  // the relayed session, then the direct one
    CHECK(a.events.downs[b.id()] == 1);
    CHECK(a.events.last_end[b.id()].detail == "replaced by a duplicate connection");
    CHECK(a.events.live[b.id()] == 1);
    CHECK(b.events.live[a.id()] == 1);
    CHECK(a.events.addresses[b.id()] == b.address());
    // It stays direct: no more dials, the relayed session is gone on both sides.
    testing::RunFor(*f.loop, milliseconds(300));
    CHECK(a.events.ups[b.id()] == 2);
    CHECK(a.manager->Stats(b.id())->path == PathClass::kLan);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("a relayed session with only relay addresses stays, with no dialing", "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    StandInRelay relay(*f.loop, b);
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    testing::RunFor(*f.loop, milliseconds(300));
    CHECK(a.events.ups[b.id()] == 1);
    CHECK(a.manager->ConnectionCount() == 1);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

// Hole punching on loopback: each side's "public endpoint" is its own
// listening address, handed over after a loop turn as a STUN answer would be.
class FakeProbe final : public PendingDial {
 public:
  static EndpointProbe For(EventLoop& loop, std::function<Result<std::string>(int port)> answer,
                           int* calls) {
    return [&loop, answer, calls](int port, std::function<void(Result<std::string>)> done)
               -> Result<std::unique_ptr<PendingDial>> {
      ++*calls;
      auto probe = std::make_unique<FakeProbe>();
      probe->timer_ = std::move(Timer::Create(loop).value());
      probe->timer_->Start(milliseconds(1), [result = answer(port), done] { done(result); });
      return std::unique_ptr<PendingDial>(std::move(probe));
    };
  }

 private:
  std::unique_ptr<Timer> timer_;
};

void QuickPunch(PeerManagerOptions& options) {
  options.punch_first = milliseconds(20);
  options.punch_retry = milliseconds(20);
  options.punch_pause = std::chrono::hours(1);
  options.punch.window = milliseconds(1500);
}

Result<std::string> OwnEndpoint(int port) { return "127.0.0.1:" + std::to_string(port); }

TEST_CASE("a relayed session is replaced by a punched one when both learn an endpoint", "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), milliseconds(10000), QuickPunch);
    Node b(*f.loop, 2, 22, 0, milliseconds(20), milliseconds(50), milliseconds(10000), QuickPunch);
    Pair(a, b);
    int probes_a = 0, probes_b = 0;
    int port_a = 0, port_b = 0;  // each round's fresh local port
    a.manager->SetEndpointProbe(FakeProbe::For(
        *f.loop, [&](int port) { return OwnEndpoint(port_a = port); }, &probes_a));
    b.manager->SetEndpointProbe(FakeProbe::For(
        *f.loop, [&](int port) { return OwnEndpoint(port_b = port); }, &probes_b));
    StandInRelay relay(*f.loop, b);
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] {
      auto sa = a.manager->Stats(b.id());
      auto sb = b.manager->Stats(a.id());
      return sa && sa->connected && sa->path == PathClass::kPunched && sb && sb->connected &&
             sb->path == PathClass::kPunched;
    }));
    // One round, one probe on each side; the relayed session went first.
    CHECK(probes_a == 1);
    CHECK(probes_b == 1);
    CHECK(a.events.ups[b.id()] == 2);
    CHECK(a.events.downs[b.id()] == 1);
    CHECK(a.events.live[b.id()] == 1);
    CHECK(b.events.live[a.id()] == 1);
    // From a fresh port each, not the listening one.
    CHECK(port_a != a.manager->listen_port());
    CHECK(a.events.addresses[b.id()] == "punch://127.0.0.1:" + std::to_string(port_b));
    CHECK(b.events.addresses[a.id()] == "punch://127.0.0.1:" + std::to_string(port_a));
    CHECK(a.manager->Stats(b.id())->punch == "punched");
    // The punched session carries messages, and stays: no more rounds.
    REQUIRE(a.events.sessions[b.id()]->Send(wire::ClusterConfig{}));
    REQUIRE(RunUntil(*f.loop, [&] { return b.events.cluster_configs[a.id()] == 1; }));
    RunFor(*f.loop, milliseconds(200));
    CHECK(probes_a + probes_b == 2);
    CHECK(a.manager->ConnectionCount() == 1);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("failed punch rounds are retried, then given up, and the session stays relayed",
          "[peer]") {
  Fixture f;
  {
    auto rounds = [](PeerManagerOptions& options) {
      QuickPunch(options);
      options.punch_rounds = 3;
    };
    Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), milliseconds(10000), rounds);
    Node b(*f.loop, 2, 22, 0, milliseconds(20), milliseconds(50), milliseconds(10000), rounds);
    Pair(a, b);
    // The offerer is the larger device ID; it counts the rounds. The other
    // sits behind a NAT that gives it no stable endpoint: it answers Fail.
    Node& offerer = a.id() > b.id() ? a : b;
    Node& other = a.id() > b.id() ? b : a;
    int probes_offerer = 0, probes_other = 0;
    offerer.manager->SetEndpointProbe(FakeProbe::For(*f.loop, OwnEndpoint, &probes_offerer));
    other.manager->SetEndpointProbe(FakeProbe::For(
        *f.loop,
        [](int) -> Result<std::string> {
          return Fail(ErrorCode::kIo, "public endpoint: no answer from the relay");
        },
        &probes_other));
    StandInRelay relay(*f.loop, b);
    a.manager->SetAddresses(b.id(), {relay.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    REQUIRE(RunUntil(*f.loop, [&] {
      return offerer.manager->Stats(other.id())->punch.rfind("failed 3 rounds", 0) == 0;
    }));
    CHECK_THAT(offerer.manager->Stats(other.id())->punch, Catch::Contains("could not punch"));
    RunFor(*f.loop, milliseconds(200));  // and no fourth round (the pause is an hour)
    CHECK(probes_offerer == 3);
    CHECK(probes_other == 3);
    CHECK(offerer.manager->Stats(other.id())->path == PathClass::kRelayed);
    CHECK(a.events.ups[b.id()] == 1);
    CHECK(a.events.downs[b.id()] == 0);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("a listener shares its port with dials from it, but not with another program", "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11);
    // A second manager on a's port is refused: the port is in use.
    PeerManagerOptions options;
    options.session = testing::TestOptions("intruder");
    Identity intruder = IdentityFromByte(9);
    Events events;
    PeerManager second(*f.loop, intruder, events, options);
    auto refused = second.Listen("127.0.0.1", a.manager->listen_port());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kBusy);
    a.Stop(*f.loop);
  }
  f.Close();
}

}  // namespace shoal::net

namespace shoal::net {

TEST_CASE("a session's path class comes from its address and LAN ranks with direct", "[peer]") {
  CHECK(PathOf("relay://198.51.100.10:40000") == PathClass::kRelayed);
  CHECK(PathOf("punch://198.51.100.2:22000") == PathClass::kPunched);
  CHECK(PathOf("192.168.1.20:22000") == PathClass::kLan);
  CHECK(PathOf("10.0.1.2") == PathClass::kLan);  // an accepted connection's bare host
  CHECK(PathOf("[fe80::1%eth0]:22000") == PathClass::kLan);
  CHECK(PathOf("198.51.100.1:22000") == PathClass::kDirect);
  CHECK(PathOf("100.64.0.1:22000") == PathClass::kDirect);   // a carrier's or a VPN's
  CHECK(PathOf("nas.example:22000") == PathClass::kDirect);  // not resolved to judge
  CHECK(PathClassName(PathClass::kLan) == "lan");
  // The duplicate rule: one end of a hairpinned connection sees LAN, the
  // other direct, and both must rank it alike.
  CHECK(PathRank(PathClass::kLan) == PathRank(PathClass::kDirect));
  CHECK(PathRank(PathClass::kDirect) > PathRank(PathClass::kPunched));
  CHECK(PathRank(PathClass::kPunched) > PathRank(PathClass::kRelayed));
}

}  // namespace shoal::net
