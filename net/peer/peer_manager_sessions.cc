// PeerManager, session side: starting sessions for accepted and dialed
// connections, the one-session-per-device tie-break (docs/protocol.md "Peer
// manager"), OnPeerUp / OnPeerDown, reconnecting after an end, shutdown.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "core/base/log.h"
#include "net/loop/tcp_stream.h"
#include "net/peer/peer_manager.h"
#include "net/peer/peer_manager_connection.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

constexpr char kDuplicate[] = "duplicate connection";

std::int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Describe(const SessionEndInfo& end) {
  std::string text(SessionEndName(end.end));
  if (!end.detail.empty()) text.append(": ").append(end.detail);
  return text;
}

}  // namespace

PeerManager::Connection* PeerManager::StartSession(UvHandle<uv_tcp_t> tcp, Role role,
                                                   std::optional<DeviceId> expected,
                                                   std::string address, UvHandle<uv_tcp_t> second,
                                                   Bytes already_read) {
  // A peer that vanished without a reset (a NAT lost our mapping, a router
  // took a new address) fails the connection once what we send stays
  // unacknowledged this long, instead of at the idle timeout.
  for (uv_tcp_t* leg : {tcp.get(), second.get()}) {
    uv_os_fd_t fd = -1;
    if (leg != nullptr && uv_fileno(reinterpret_cast<uv_handle_t*>(leg), &fd) == 0) {
      const unsigned int ms = static_cast<unsigned int>(kUnacknowledgedTimeout.count());
      setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
    }
  }
  auto stream =
      second ? TcpStream::AdoptLegs(std::move(tcp), std::move(second),
                                    role == Role::kInitiator ? TcpStream::LegRole::kInitiator
                                                             : TcpStream::LegRole::kResponder)
             : TcpStream::Adopt(std::move(tcp));
  if (!stream) {
    SHOAL_LOG(kWarning) << "peer manager: " << stream.error().message;
    return nullptr;
  }
  auto connection =
      std::make_unique<Connection>(*this, role, expected, std::move(address), next_serial_++);
  // A dialed connection must reach the device we dialed; any must be paired.
  // The first dialed one to get there ends the device's race.
  Connection* self = connection.get();
  Authorize authorize = [this, expected, self](const DeviceId& device) {
    if ((expected && device != *expected) || !delegate_.IsPaired(device)) return false;
    if (expected) {
      self->authenticated = true;
      OnOutboundAuthenticated(*expected, *self);
    }
    return true;
  };
  auto session = Session::Start(loop_, std::move(*stream), identity_, role, std::move(authorize),
                                *connection, options_.session, std::move(already_read));
  if (!session) {
    SHOAL_LOG(kWarning) << "peer manager: " << session.error().message;
    return nullptr;
  }
  connection->session = std::move(*session);
  connections_.push_back(std::move(connection));
  return connections_.back().get();
}

bool PeerManager::AdmitStranger(const std::string& source) {
  std::size_t total = 0;
  std::size_t from_source = 0;
  Connection* oldest = nullptr;
  for (const auto& connection : connections_) {
    if (connection->role != Role::kResponder || !connection->session->handshaking()) continue;
    ++total;
    from_source += connection->address == source ? 1 : 0;
    if (oldest == nullptr || connection->serial < oldest->serial) oldest = connection.get();
  }
  if (total < kMaxHandshakes && from_source < kMaxHandshakesPerSource) return true;
  ++strangers_refused_;
  const std::uint64_t now = uv_now(loop_.get());
  if (strangers_logged_ms_ == 0 || now - strangers_logged_ms_ >= 10'000) {
    SHOAL_LOG(kWarning) << "peer manager: " << strangers_refused_
                        << " connection(s) dropped in their handshake: "
                        << (from_source >= kMaxHandshakesPerSource
                                ? std::to_string(from_source) + " from " + source
                                : std::to_string(total) + " in all")
                        << " already (a flood of strangers?)";
    strangers_refused_ = 0;
    strangers_logged_ms_ = now;
  }
  // One source gets no more; a full house makes room by dropping its
  // oldest stranger, so a newcomer whose handshake is quick (any real
  // peer's takes a round trip) still gets through a flood of idle ones.
  if (from_source >= kMaxHandshakesPerSource) return false;
  // Nothing refers to a handshaking inbound connection but this list: it
  // goes at once, fd and all, without callbacks.
  std::erase_if(connections_, [&](const auto& c) { return c.get() == oldest; });
  return true;
}

void PeerManager::OnAccept(UvHandle<uv_tcp_t> tcp, const std::string& remote_address) {
  // Only the remote host is worth showing: the port is ephemeral.
  auto split = SplitHostPort(remote_address);
  std::string host = split ? split->host : remote_address;
  if (!AdmitStranger(host)) return;  // `tcp` closes
  SHOAL_LOG(kDebug) << "peer manager: connection from " << remote_address;
  StartSession(std::move(tcp), Role::kResponder, std::nullopt, std::move(host));
}

// A relayed connection may be a session's first leg or its second
// (docs/protocol.md "Two legs"): the sorter reads its opening first.
void PeerManager::AcceptRelayed(UvHandle<uv_tcp_t> tcp, const std::string& peer) {
  if (shutting_down_) return;  // `tcp` closes
  if (!leg_sorter_) {
    auto sorter = LegSorter::Create(
        loop_, [this](LegSorter::Sorted sorted) { OnRelayedSorted(std::move(sorted)); },
        {.wait = options_.leg_wait, .opening_timeout = options_.session.handshake_timeout});
    if (!sorter) {
      SHOAL_LOG(kWarning) << "peer manager: " << sorter.error().message;
      return;
    }
    leg_sorter_ = std::move(*sorter);
  }
  SHOAL_LOG(kDebug) << "peer manager: relayed connection from " << peer;
  leg_sorter_->Add(std::move(tcp), peer);
}

void PeerManager::OnRelayedSorted(LegSorter::Sorted sorted) {
  if (shutting_down_ || !AdmitStranger(kRelayScheme + sorted.peer)) return;
  StartSession(std::move(sorted.first), Role::kResponder, std::nullopt, kRelayScheme + sorted.peer,
               std::move(sorted.second), std::move(sorted.already_read));
}

const PeerManager::Connection& PeerManager::Survivor(const Connection& a,
                                                     const Connection& b) const {
  // The better path wins (LAN or direct, punched, relayed); both ends know
  // which theirs is.
  const int rank_a = PathRank(a.path()), rank_b = PathRank(b.path());
  if (rank_a != rank_b) return rank_a > rank_b ? a : b;
  // Both are with one device; a pending outbound one only knows it as `expected`.
  const DeviceId& self = identity_.device_id();
  const DeviceId& peer = a.device ? *a.device : *a.expected;
  const DeviceId& a_initiator = a.role == Role::kInitiator ? self : peer;
  const DeviceId& b_initiator = b.role == Role::kInitiator ? self : peer;
  if (a_initiator != b_initiator) return a_initiator > b_initiator ? a : b;
  // Same initiator: it only dials again once it saw the old session end, so
  // the older one is stale (its end has not reached us yet).
  return a.serial > b.serial ? a : b;
}

// The peer dials a worse path only while it has no session with us, so a
// worse session from it while our better one has heard nothing for a while
// means ours died without either side seeing it end (a NAT lost its
// mapping, the router got a new address): the new one replaces it rather
// than waiting out the idle timeout. A better session that is not quiet is
// the simultaneous-dial race, which the rule above settles.
bool PeerManager::Stale(const Connection& current, const Connection& newcomer) const {
  if (newcomer.role != Role::kResponder || PathRank(newcomer.path()) >= PathRank(current.path())) {
    return false;
  }
  const auto quiet = current.session->quiet_for();
  if (quiet < kStaleAfter) return false;
  SHOAL_LOG(kInfo) << "peer " << ShortIdString(current.device->ShortId()) << ": its "
                   << PathClassName(current.path()) << " session has been quiet for "
                   << quiet.count() / 1000 << " s and it dialed again through " << newcomer.address
                   << ": replacing the quiet one";
  return true;
}

void PeerManager::CloseDuplicate(Connection& connection) {
  SHOAL_LOG(kInfo) << "peer " << ShortIdString(connection.device->ShortId()) << ": closing a "
                   << kDuplicate << (connection.role == Role::kInitiator ? " to " : " from ")
                   << connection.address;
  connection.duplicate = true;
  connection.held = false;
  connection.session->Close(wire::CloseReason::kNormal, kDuplicate);
}

// The tie-break (docs/protocol.md "Peer manager"). A responder establishes
// before the initiator (it gets the initiator's Hello first), so in a
// simultaneous dial the larger device usually sees the losing inbound
// session first: it holds that one back until its own outbound session
// either establishes (and wins) or fails (and the held one is promoted),
// rather than reporting a session that is about to be replaced.
void PeerManager::OnEstablished(Connection& connection, const wire::Hello& hello) {
  const DeviceId device = *connection.session->peer();
  connection.device = device;
  connection.hello = hello;
  Peer& peer = PeerFor(device);
  std::erase(peer.outbound, &connection);
  if (Connection* held = peer.held) {
    Connection& loser = &Survivor(*held, connection) == held ? connection : *held;
    if (&loser == held) peer.held = nullptr;
    CloseDuplicate(loser);
    if (&loser == &connection) return;
  }
  if (Connection* current = peer.up) {
    if (&Survivor(*current, connection) == current && !Stale(*current, connection)) {
      CloseDuplicate(connection);
      return;
    }
    current->up = false;
    peer.up = nullptr;
    peer.stats.bytes_in = current->session->bytes_received();
    peer.stats.bytes_out = current->session->bytes_sent();
    CloseDuplicate(*current);
    delegate_.OnPeerDown(device, {SessionEnd::kLocalClose, "replaced by a duplicate connection"});
    if (!connection.session->established()) return;  // the delegate shut us down
    if (!peers_.contains(device)) {                  // ... or forgot the device
      connection.session->Close(wire::CloseReason::kNormal, "device forgotten");
      return;
    }
  }
  Peer& now = PeerFor(device);  // the delegate may have called Forget
  if (OutboundBeats(now, connection)) {
    SHOAL_LOG(kDebug) << "peer " << ShortIdString(device.ShortId())
                      << ": holding a session until our own dial decides";
    connection.held = true;
    now.held = &connection;
    return;
  }
  MarkUp(now, connection);
  delegate_.OnPeerUp(device, *connection.session, hello, connection.address);
}

bool PeerManager::OutboundBeats(const Peer& peer, const Connection& connection) const {
  return std::any_of(peer.outbound.begin(), peer.outbound.end(),
                     [&](const Connection* o) { return &Survivor(*o, connection) == o; });
}

void PeerManager::PromoteHeld(const DeviceId& device) {
  Peer& peer = peers_.at(device);
  Connection& held = *peer.held;
  peer.held = nullptr;
  held.held = false;
  MarkUp(peer, held);
  delegate_.OnPeerUp(device, *held.session, *held.hello, held.address);
  held.Replay();
}

void PeerManager::MarkUp(Peer& peer, Connection& connection) {
  // Addresses that failed before this one in the round (a device that
  // moved, a forged sighting): the log says so once, with the last reason.
  std::string after;
  if (connection.role == Role::kInitiator && peer.failures_in_round > 0) {
    after = " after " + std::to_string(peer.failures_in_round) + " other address" +
            (peer.failures_in_round == 1 ? "" : "es") + " failed (" + peer.stats.last_error + ")";
  }
  connection.up = true;
  peer.up = &connection;
  CancelDials(peer);  // no point connecting twice
  peer.to_dial.clear();
  if (peer.retry) peer.retry->Stop();
  peer.waiting = false;
  peer.failures_in_round = 0;
  peer.backoff.Reset();
  peer.stats.connected = true;
  peer.stats.address = connection.address;
  peer.stats.path = connection.path();
  peer.stats.connected_since_ms = UnixNowMs();
  peer.stats.bytes_in = peer.stats.bytes_out = 0;
  SHOAL_LOG(kInfo) << "peer " << ShortIdString(connection.device->ShortId()) << ": connected ("
                   << (connection.role == Role::kInitiator ? "to " : "from ") << connection.address
                   << ")" << after;
  // Relayed: keep trying the device's direct addresses, soon and then with
  // backoff, and punch a hole (peer_manager_punch.cc).
  if (Upgrading(peer)) ScheduleRetry(*connection.device, peer.backoff.Next());
  if (connection.relayed()) {
    if (Offerer(*connection.device) && CanPunch(peer)) {
      SchedulePunch(*connection.device, options_.punch_first);
    }
  } else {
    StopPunch(peer);
    if (connection.path() == PathClass::kPunched) {
      peer.punch_failures = 0;
      peer.stats.punch = "punched";
    }
  }
}

void PeerManager::OnEnd(Connection& connection, const SessionEndInfo& end) {
  auto owned = std::find_if(connections_.begin(), connections_.end(),
                            [&](const auto& c) { return c.get() == &connection; });
  SHOAL_CHECK(owned != connections_.end(), "peer manager: unknown connection ended");
  // Destroyed when this returns: the Session allows that from inside OnEnd.
  std::unique_ptr<Connection> gone = std::move(*owned);
  connections_.erase(owned);

  const std::optional<DeviceId> device =
      connection.device ? connection.device : connection.expected;
  auto it = device ? peers_.find(*device) : peers_.end();
  Peer* peer = it != peers_.end() ? &it->second : nullptr;
  if (connection.up) {
    if (peer != nullptr && peer->up == &connection) {
      peer->up = nullptr;
      peer->stats.connected = false;
      peer->stats.connected_since_ms = 0;
      peer->stats.bytes_in = connection.session->bytes_received();
      peer->stats.bytes_out = connection.session->bytes_sent();
      peer->stats.last_error = Describe(end);
      StopPunch(*peer);  // it was agreed over this session
    }
    SHOAL_LOG(kInfo) << "peer " << ShortIdString(device->ShortId())
                     << ": disconnected: " << Describe(end);
    delegate_.OnPeerDown(*device, end);
    // Reconnect, after a wait so that a peer that accepts and drops us at
    // once is not hammered; the backoff was reset when this session began.
    it = peers_.find(*device);
    if (it != peers_.end()) ScheduleRetry(*device, it->second.backoff.Next());
  } else if (connection.held) {
    if (peer != nullptr && peer->held == &connection) peer->held = nullptr;
  } else if (connection.superseded) {
    // Another address of the race answered first: nothing failed.
  } else if (peer != nullptr && std::erase(peer->outbound, &connection) > 0) {
    std::string why = "session with " + connection.address + ": " + Describe(end);
    // Someone else's key at a device's address: one we were told of wrongly
    // (a forged LAN announcement, a device that moved). The next address
    // is tried as after any failure.
    const std::optional<DeviceId>& answered = connection.session->peer();
    if (answered && *answered != *device) {
      why = "dialed " + connection.address + " but device " + ShortIdString(answered->ShortId()) +
            " answered: a stale or forged address";
      SHOAL_LOG(kWarning) << "peer " << ShortIdString(device->ShortId()) << ": " << why;
    }
    if (peer->held != nullptr && peer->held->session->established() &&  // not shutting down
        !OutboundBeats(*peer, *peer->held)) {
      peer->stats.last_error = std::move(why);
      PromoteHeld(*device);
    } else {
      DialFailed(*device, std::move(why));
    }
  } else if (peer != nullptr && connection.path() == PathClass::kPunched && !connection.duplicate) {
    PunchFailed(*device, "punched session with " + connection.address + ": " + Describe(end));
  } else if (!connection.duplicate) {
    SHOAL_LOG(kDebug) << "peer manager: connection from " << connection.address
                      << " ended before Hello: " << Describe(end);
  }
  MaybeFinishShutdown();
}

void PeerManager::Shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  listener_.reset();
  leg_sorter_.reset();
  for (auto& [device, peer] : peers_) {
    CancelDials(peer);
    peer.stagger.reset();
    peer.retry.reset();
    peer.waiting = false;
    StopPunch(peer);
    peer.punch_timer.reset();
  }
  // Close() never ends a session synchronously, so the vector stays put.
  for (auto& connection : connections_) {
    connection->session->Close(wire::CloseReason::kNormal, "shutting down");
  }
  MaybeFinishShutdown();
}

void PeerManager::MaybeFinishShutdown() {
  if (!shutting_down_ || !connections_.empty() || !shutdown_done_ || shutdown_timer_) return;
  // On the next loop turn: the listener's and the sessions' handles have
  // closed by then, and `done` may destroy us without a session on the stack.
  auto timer = Timer::Create(loop_);
  if (!timer) {
    SHOAL_LOG(kError) << "peer manager: " << timer.error().message;
    return;
  }
  shutdown_timer_ = std::move(*timer);
  shutdown_timer_->Start(std::chrono::milliseconds(0), [this] {
    auto done = std::move(shutdown_done_);
    shutdown_done_ = nullptr;
    done();  // may destroy this
  });
}

}  // namespace shoal::net
