// PeerManager: public face and dialing — per-device addresses raced in
// each round (the first, then one more every kDialStagger while none has
// connected, and the next at once after a failure), the first connection
// to open wins and the other connects are cancelled, backoff after a round
// with no session. Sessions and the tie-break are in
// peer_manager_sessions.cc.
#include "net/peer/peer_manager.h"

#include <algorithm>
#include <string>

#include "core/base/log.h"
#include "net/peer/peer_manager_connection.h"

namespace shoal::net {

PeerManager::PeerManager(EventLoop& loop, const Identity& identity, PeerManagerDelegate& delegate,
                         PeerManagerOptions options)
    : loop_(loop),
      identity_(identity),
      delegate_(delegate),
      options_(std::move(options)),
      seeds_(options_.seed != 0 ? options_.seed : std::random_device{}()) {}

// Members go in reverse order: timers and dials (peers_) and sessions
// (connections_) are dropped without callbacks, then the listener closes.
PeerManager::~PeerManager() {
  for (auto& [device, peer] : peers_) {
    peer.retry.reset();
    CancelDials(peer);
    peer.stagger.reset();
    peer.probe.reset();
    peer.punch.reset();
    peer.punch_timer.reset();
    peer.punch_listener.reset();
  }
  connections_.clear();
}

Result<void> PeerManager::Listen(const std::string& host, int port) {
  if (listener_ != nullptr) return Fail(ErrorCode::kInvalidArgument, "peer manager: listening");
  if (shutting_down_) return Fail(ErrorCode::kCancelled, "peer manager: shutting down");
  auto listener = TcpListener::Start(
      loop_, host, port,
      [this](UvHandle<uv_tcp_t> tcp, std::string remote) { OnAccept(std::move(tcp), remote); });
  if (!listener) return listener.error();
  listener_ = std::move(*listener);
  SHOAL_LOG(kInfo) << "peer manager: listening on " << host << " port " << listener_->port();
  return {};
}

int PeerManager::listen_port() const { return listener_ ? listener_->port() : 0; }

PeerManager::Peer& PeerManager::PeerFor(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it != peers_.end()) return it->second;
  BackoffOptions backoff{.min = options_.backoff_min,
                         .max = options_.backoff_max,
                         .factor = 2.0,
                         .jitter = Jitter::kFull};
  return peers_.try_emplace(device, Backoff(backoff, seeds_())).first->second;
}

bool PeerManager::Idle(const Peer& peer) const {
  return !shutting_down_ && !peer.addresses.empty() && (peer.up == nullptr || Upgrading(peer)) &&
         peer.outbound.empty() && peer.dials.empty();
}

// A relayed or punched session is up and the device has direct addresses:
// those are still dialed (with the same backoff), and a direct session that
// comes up replaces it (Survivor).
bool PeerManager::Upgrading(const Peer& peer) const {
  return peer.up != nullptr && PathRank(peer.up->path()) < PathRank(PathClass::kDirect) &&
         DirectAddresses(peer) > 0;
}

std::size_t PeerManager::DirectAddresses(const Peer& peer) {
  return static_cast<std::size_t>(
      std::count_if(peer.addresses.begin(), peer.addresses.end(),
                    [](const std::string& address) { return !IsRelayAddress(address); }));
}

void PeerManager::SetAddresses(const DeviceId& device, std::vector<std::string> addresses) {
  Peer& peer = PeerFor(device);
  if (addresses == peer.addresses) return;  // a round in progress goes on
  peer.addresses = std::move(addresses);
  peer.to_dial.clear();
  if (peer.addresses.empty()) {
    CancelDials(peer);
    if (peer.retry) peer.retry->Stop();
    peer.waiting = false;
    return;
  }
  if (!peer.dials.empty() || !peer.outbound.empty()) {
    // A race is on: the new addresses not already being dialed or
    // handshaken join it.
    for (const std::string& address : peer.addresses) {
      const bool dialing =
          std::any_of(peer.dials.begin(), peer.dials.end(),
                      [&](const DialAttempt& a) { return a.address == address; }) ||
          std::any_of(peer.outbound.begin(), peer.outbound.end(),
                      [&](const Connection* c) { return c->address == address; });
      if (!dialing && (peer.up == nullptr || !IsRelayAddress(address))) {
        peer.to_dial.push_back(address);
      }
    }
    if (!peer.to_dial.empty()) ArmStagger(device, peer);
    return;
  }
  // A backoff wait already running keeps its schedule (DialNow skips it).
  if (Idle(peer) && !peer.waiting) Dial(device);
}

void PeerManager::DialNow(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it == peers_.end() || !Idle(it->second)) return;
  it->second.to_dial.clear();
  Dial(device);
}

void PeerManager::Forget(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it == peers_.end()) return;
  std::vector<Connection*> closing = std::move(it->second.outbound);
  closing.push_back(it->second.up);
  closing.push_back(it->second.held);
  peers_.erase(it);  // cancels the dial and the backoff wait
  // Their OnEnd finds no Peer: no retry; `up` still reports OnPeerDown.
  for (Connection* connection : closing) {
    if (connection != nullptr) {
      connection->session->Close(wire::CloseReason::kNormal, "device forgotten");
    }
  }
}

Session* PeerManager::SessionFor(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it == peers_.end() || it->second.up == nullptr) return nullptr;
  return it->second.up->session.get();
}

std::optional<PeerManager::PeerStats> PeerManager::Stats(const DeviceId& device) const {
  auto it = peers_.find(device);
  if (it == peers_.end()) return std::nullopt;
  PeerStats stats = it->second.stats;
  if (const Connection* up = it->second.up) {
    stats.bytes_in = up->session->bytes_received();
    stats.bytes_out = up->session->bytes_sent();
    stats.rate_in = up->session->receive_rate();
    stats.rate_out = up->session->send_rate();
    stats.legs = up->session->legs();
  }
  return stats;
}

// Starts the round's next address (a new round when none is left and no
// dial is pending), and arms the stagger timer for the one after it.
void PeerManager::Dial(const DeviceId& device) {
  Peer& peer = PeerFor(device);
  if (peer.retry) peer.retry->Stop();
  peer.waiting = false;
  if (peer.to_dial.empty()) {
    if (!peer.dials.empty()) return;  // every address is in the race
    // Every round starts with the first address: the list is in order of
    // preference (configured, then the most recent sighting first). While
    // upgrading a relayed or punched session, only direct ones.
    peer.failures_in_round = 0;
    for (const std::string& address : peer.addresses) {
      if (peer.up == nullptr || !IsRelayAddress(address)) peer.to_dial.push_back(address);
    }
    if (peer.to_dial.empty()) return;
  }
  const std::string address = std::move(peer.to_dial.front());
  peer.to_dial.pop_front();
  const std::uint64_t serial = ++next_serial_;
  SHOAL_LOG(kDebug) << "peer " << ShortIdString(device.ShortId()) << ": dialing " << address;
  DialDone done = [this, device, serial, address](Result<UvHandle<uv_tcp_t>> connected) {
    OnDialed(device, serial, address, std::move(connected));
  };
  auto plain = [this](const std::string& target,
                      DialDone then) -> Result<std::unique_ptr<PendingDial>> {
    auto tcp = TcpDialer::Start(loop_, target, options_.dial_timeout, std::move(then));
    if (!tcp) return tcp.error();
    return std::unique_ptr<PendingDial>(std::move(*tcp));
  };
  Result<std::unique_ptr<PendingDial>> dial = Fail(ErrorCode::kInvalidArgument, "no dialer");
  if (IsRelayAddress(address)) {
    dial = DialRelayed(RelayTarget(address), std::move(done),
                       [this, device, serial, address](Result<UvHandle<uv_tcp_t>> first,
                                                       UvHandle<uv_tcp_t> second) {
                         OnDialed(device, serial, address, std::move(first), std::move(second));
                       });
  } else if (IsMappedAddress(address)) {
    dial = plain(DialTarget(address), std::move(done));
  } else {
    dial = plain(address, std::move(done));
  }
  if (!dial) {
    DialFailed(device, dial.error().message);
    return;
  }
  peer.dials.push_back(DialAttempt{serial, address, std::move(*dial)});
  if (!peer.to_dial.empty()) ArmStagger(device, peer);
}

// A device's relayed address: through our own allocation if we have one,
// and with two legs unless turned off.
Result<std::unique_ptr<PendingDial>> PeerManager::DialRelayed(const std::string& target,
                                                              DialDone done,
                                                              LegDial::Done two_legs_done) {
  auto leg = [this, target](const DialFunction& dialer) {
    return [this, target, &dialer](DialDone then) -> Result<std::unique_ptr<PendingDial>> {
      if (dialer) return dialer(target, options_.dial_timeout, std::move(then));
      auto tcp = TcpDialer::Start(loop_, target, options_.dial_timeout, std::move(then));
      if (!tcp) return tcp.error();
      return std::unique_ptr<PendingDial>(std::move(*tcp));
    };
  };
  if (!options_.two_legs) return leg(relay_dialer_)(std::move(done));
  auto dial = LegDial::Start(loop_, leg(relay_dialer_), leg(second_leg_dialer_),
                             options_.second_leg_wait, std::move(two_legs_done));
  if (!dial) return dial.error();
  return std::unique_ptr<PendingDial>(std::move(*dial));
}

void PeerManager::ArmStagger(const DeviceId& device, Peer& peer) {
  if (!peer.stagger) {
    auto timer = Timer::Create(loop_);
    if (!timer) return;  // the rest join as these fail
    peer.stagger = std::move(*timer);
  }
  peer.stagger->Start(kDialStagger, [this, device] { StaggerNext(device); });
}

// No handshake has authenticated the device after kDialStagger: one more
// address joins the race.
void PeerManager::StaggerNext(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  if (shutting_down_ || (peer.dials.empty() && peer.outbound.empty()) || peer.to_dial.empty() ||
      Decided(peer) || (peer.up != nullptr && !Upgrading(peer))) {
    return;
  }
  Dial(device);
}

bool PeerManager::Decided(const Peer& peer) {
  return std::any_of(peer.outbound.begin(), peer.outbound.end(),
                     [](const Connection* c) { return c->authenticated; });
}

void PeerManager::CancelDials(Peer& peer) {
  if (peer.stagger) peer.stagger->Stop();
  // Moved out first: a dial's destructor cancels it without callbacks, but
  // `dials` must not change under an iteration.
  std::vector<DialAttempt> cancelled = std::move(peer.dials);
  peer.dials.clear();
}

void PeerManager::OnDialed(const DeviceId& device, std::uint64_t serial, const std::string& address,
                           Result<UvHandle<uv_tcp_t>> connected, UvHandle<uv_tcp_t> second) {
  Peer& peer = peers_.at(device);  // Forget and shutdown cancel dials first
  // This attempt ends here (its PendingDial may be destroyed from inside
  // its own callback).
  auto mine = std::find_if(peer.dials.begin(), peer.dials.end(),
                           [serial](const DialAttempt& a) { return a.serial == serial; });
  if (mine != peer.dials.end()) {
    DialAttempt finished = std::move(*mine);
    peer.dials.erase(mine);
  }
  if (!connected) {
    DialFailed(device, connected.error().message);
    return;
  }
  // The race goes on while this connection is handshaken: the first
  // handshake to authenticate the device wins (OnOutboundAuthenticated).
  Connection* connection =
      StartSession(std::move(*connected), Role::kInitiator, device, address, std::move(second));
  if (connection == nullptr) {
    DialFailed(device, "dial " + address + ": could not start a session");
    return;
  }
  peer.outbound.push_back(connection);
  // Every address started and connected: none is left for the stagger.
  if (peer.to_dial.empty() && peer.dials.empty() && peer.stagger) peer.stagger->Stop();
}

void PeerManager::OnOutboundAuthenticated(const DeviceId& device, Connection& winner) {
  auto it = peers_.find(device);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  // A punched session is not part of the dialing race (it may replace a
  // relayed one while direct addresses are still tried).
  if (std::find(peer.outbound.begin(), peer.outbound.end(), &winner) == peer.outbound.end()) {
    return;
  }
  std::vector<std::string> again;
  std::vector<Connection*> outbound = std::move(peer.outbound);
  peer.outbound.clear();
  for (Connection* other : outbound) {
    if (other == &winner) {
      peer.outbound.push_back(other);
      continue;
    }
    // Closed before its handshake completes: the device never sees a
    // second connection of ours authenticated. Close never ends a session
    // at once, so this is safe from inside the winner's callback.
    other->superseded = true;
    again.push_back(other->address);
    other->session->Close(wire::CloseReason::kNormal, "another address answered first");
  }
  for (const DialAttempt& a : peer.dials) again.push_back(a.address);
  CancelDials(peer);
  peer.to_dial.insert(peer.to_dial.begin(), again.begin(), again.end());
}

void PeerManager::DialFailed(const DeviceId& device, std::string why) {
  auto it = peers_.find(device);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  SHOAL_LOG(kDebug) << "peer " << ShortIdString(device.ShortId()) << ": " << why;
  peer.stats.last_error = std::move(why);
  ++peer.failures_in_round;
  if (shutting_down_ || peer.addresses.empty() || (peer.up != nullptr && !Upgrading(peer))) {
    return;
  }
  // The next address joins the race at once, unless a handshake has
  // already authenticated the device (it ends the race); with every
  // address started, wait for the rest, and after the last failure back off.
  if (!peer.to_dial.empty() && !Decided(peer)) {
    Dial(device);
    return;
  }
  if (!peer.dials.empty() || !peer.outbound.empty()) return;
  ScheduleRetry(device, peer.backoff.Next());
}

void PeerManager::ScheduleRetry(const DeviceId& device, std::chrono::milliseconds delay) {
  auto it = peers_.find(device);
  if (it == peers_.end() || !Idle(it->second)) return;
  Peer& peer = it->second;
  if (!peer.retry) {
    auto timer = Timer::Create(loop_);
    if (!timer) {
      SHOAL_LOG(kError) << "peer manager: " << timer.error().message;
      return;
    }
    peer.retry = std::move(*timer);
  }
  peer.waiting = true;
  peer.retry->Start(delay, [this, device] {
    auto found = peers_.find(device);
    if (found == peers_.end()) return;
    found->second.waiting = false;
    if (Idle(found->second)) Dial(device);
  });
}

}  // namespace shoal::net
