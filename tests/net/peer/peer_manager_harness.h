// PeerManager test harness: several managers on one loop over loopback,
// each with a delegate that records what it reports and checks the
// Up/Down contract as it goes. Shared by the peer manager's tests.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "net/peer/peer_manager.h"
#include "net/peer/tcp_listener.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net::testing {

inline Identity IdentityFromByte(std::uint8_t byte) {
  Bytes seed(Identity::kSeedSize, byte);
  return std::move(Identity::FromSeed(seed).value());
}

// Records what a manager reports and checks the Up/Down contract as it goes.
class Events : public PeerManagerDelegate {
 public:
  bool IsPaired(const DeviceId& device) override { return paired.contains(device); }
  void OnPeerUp(const DeviceId& device, Session& session, const wire::Hello& hello,
                const std::string& address) override {
    CHECK(live[device] == 0);  // never two OnPeerUp without OnPeerDown
    ++live[device];
    ++ups[device];
    sessions[device] = &session;
    hellos[device] = hello;
    addresses[device] = address;
    if (on_up) on_up(device, session);
  }
  void OnMessage(const DeviceId& device, wire::PeerMessage message) override {
    if (std::holds_alternative<wire::ClusterConfig>(message)) ++cluster_configs[device];
    ++messages[device];
  }
  void OnPeerDown(const DeviceId& device, const SessionEndInfo& end) override {
    CHECK(live[device] == 1);  // only after OnPeerUp
    --live[device];
    ++downs[device];
    sessions.erase(device);
    last_end[device] = end;
  }

  std::function<void(const DeviceId&, Session&)> on_up;
  std::set<DeviceId> paired;
  std::map<DeviceId, int> live, ups, downs, cluster_configs, messages;
  std::map<DeviceId, Session*> sessions;
  std::map<DeviceId, wire::Hello> hellos;
  std::map<DeviceId, std::string> addresses;
  std::map<DeviceId, SessionEndInfo> last_end;
};

// One device: identity, delegate and manager (listening on 127.0.0.1).
struct Node {
  Node(EventLoop& loop, std::uint8_t id, std::uint64_t seed, int port = 0,
       std::chrono::milliseconds backoff_min = std::chrono::milliseconds(20),
       std::chrono::milliseconds backoff_max = std::chrono::milliseconds(50),
       std::chrono::milliseconds handshake_timeout = std::chrono::milliseconds(10000),
       const std::function<void(PeerManagerOptions&)>& tune = nullptr)
      : identity(IdentityFromByte(id)) {
    PeerManagerOptions options;
    options.session = testing::TestOptions("node" + std::to_string(id));
    options.session.handshake_timeout = handshake_timeout;
    options.session.close_linger = std::chrono::milliseconds(300);
    options.backoff_min = backoff_min;
    options.backoff_max = backoff_max;
    options.dial_timeout = std::chrono::milliseconds(2000);
    options.seed = seed;
    if (tune) tune(options);
    manager = std::make_unique<PeerManager>(loop, identity, events, options);
    auto listening = manager->Listen("127.0.0.1", port);
    REQUIRE(listening.has_value());
  }
  const DeviceId& id() const { return identity.device_id(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(manager->listen_port()); }
  bool Connected(const Node& other) const { return manager->SessionFor(other.id()) != nullptr; }
  // Shutdown(), waits for `done`, destroys the manager.
  void Stop(EventLoop& loop) {
    bool done = false;
    manager->Shutdown([&] { done = true; });
    REQUIRE(RunUntil(loop, [&] { return done; }));
    manager.reset();
  }

  Identity identity;
  Events events;
  std::unique_ptr<PeerManager> manager;
};

inline void Pair(Node& a, Node& b) {
  a.events.paired.insert(b.id());
  b.events.paired.insert(a.id());
}

// A stand-in relay: connections to it reach `to` as relayed ones (as a TURN
// relay's bound connections do); a peer dials it at `address` (relay://).
struct StandInRelay {
  StandInRelay(EventLoop& loop, Node& to) {
    auto started = net::TcpListener::Start(loop, "127.0.0.1", 0,
                                           [this, &to](UvHandle<uv_tcp_t> tcp, std::string remote) {
                                             uv_os_fd_t fd = -1;
                                             if (uv_fileno(tcp.handle(), &fd) == 0)
                                               fds.push_back(fd);
                                             to.manager->AcceptRelayed(std::move(tcp), remote);
                                           });
    REQUIRE(started.has_value());
    listener = std::move(*started);
    address = "relay://127.0.0.1:" + std::to_string(listener->port());
  }
  std::unique_ptr<net::TcpListener> listener;
  std::string address;
  std::vector<int> fds;  // of the connections accepted, in order (valid while they are open)
};

struct Fixture {
  std::unique_ptr<EventLoop> loop = std::move(EventLoop::Create().value());
  void Close() { CHECK(loop->Close().has_value()); }  // no leaked handles
};

}  // namespace shoal::net::testing
