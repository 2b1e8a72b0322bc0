// PeerManager, hole punching (docs/protocol.md "Hole punching"). While a
// device's session is relayed, the device with the larger ID offers a punch
// over it: it takes a fresh local port for the round, learns its public
// endpoint (the EndpointProbe) and sends Punch(Offer). The other does the
// same and answers Punch(Go), and both dial each other's endpoint at once,
// each from its round's port (PunchDialer). A connection that comes of it — dialed, or
// accepted from the endpoint being punched — starts a session in which the
// answering (smaller) device is the Noise initiator, whichever side's SYN
// won. It is the one that dials first, so if its SYN reaches the offerer's
// listener before the offerer knows its endpoint, the offerer takes it as an
// ordinary inbound connection, as responder, and the roles still agree. The
// duplicate rule then lets the new session replace the relayed one. The offerer
// retries a failed round after punch_retry × failures, and after
// punch_rounds failures in a row pauses for punch_pause.
#include <string>
#include <utility>

#include "core/base/log.h"
#include "net/peer/peer_manager.h"
#include "net/peer/peer_manager_connection.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

std::string Short(const DeviceId& device) { return ShortIdString(device.ShortId()); }

}  // namespace

PathClass PathOf(std::string_view address) {
  if (IsRelayAddress(address)) return PathClass::kRelayed;
  if (address.substr(0, sizeof(kPunchScheme) - 1) == kPunchScheme) return PathClass::kPunched;
  return IsLocalNetworkHost(address) ? PathClass::kLan : PathClass::kDirect;
}

int PathRank(PathClass path) {
  return static_cast<int>(path == PathClass::kLan ? PathClass::kDirect : path);
}

std::string_view PathClassName(PathClass path) {
  switch (path) {
    case PathClass::kRelayed:
      return "relayed";
    case PathClass::kPunched:
      return "punched";
    case PathClass::kDirect:
      return "direct";
    case PathClass::kLan:
      return "lan";
  }
  return "direct";
}

// A relayed session with a peer that punches, and a probe to learn endpoints.
bool PeerManager::CanPunch(const Peer& peer) const {
  return !shutting_down_ && endpoint_probe_ && peer.up != nullptr && peer.up->relayed() &&
         peer.up->session->punches();
}

void PeerManager::SchedulePunch(const DeviceId& device, std::chrono::milliseconds delay) {
  Peer& peer = PeerFor(device);
  if (!peer.punch_timer) {
    auto timer = Timer::Create(loop_);
    if (!timer) {
      SHOAL_LOG(kError) << "peer manager: " << timer.error().message;
      return;
    }
    peer.punch_timer = std::move(*timer);
  }
  peer.punch_timer->Start(delay, [this, device] { StartPunchRound(device); });
}

void PeerManager::StartPunchRound(const DeviceId& device) {
  auto it = peers_.find(device);
  if (it == peers_.end() || !CanPunch(it->second) || !Offerer(device)) return;
  Peer& peer = it->second;
  StopPunch(peer);
  const std::uint32_t round = ++peer.punch_round;
  peer.stats.punch = "punching";
  ProbeThen(device, [this, device, round](Result<std::string> endpoint) {
    auto found = peers_.find(device);
    if (found == peers_.end() || found->second.punch_round != round) return;
    if (!endpoint) {
      PunchFailed(device, endpoint.error().message);
      return;
    }
    Peer& now = found->second;
    if (!CanPunch(now)) return;
    const wire::Punch offer{wire::PunchStage::kOffer, round, {*endpoint}};
    if (auto sent = now.up->session->SendPunch(offer); !sent) {
      PunchFailed(device, sent.error().message);
      return;
    }
    SHOAL_LOG(kDebug) << "peer " << Short(device) << ": punch round " << round << " offered from "
                      << *endpoint;
    // The answer comes over the relay; without one the round has failed.
    now.punch_timer->Start(options_.punch.window, [this, device, round] {
      auto again = peers_.find(device);
      if (again != peers_.end() && again->second.punch_round == round &&
          again->second.punch == nullptr) {
        PunchFailed(device, "no answer to the punch offer");
      }
    });
  });
}

void PeerManager::ProbeThen(const DeviceId& device, std::function<void(Result<std::string>)> then) {
  Peer& peer = PeerFor(device);
  // A fresh port for the round, listening (and shared) until it ends: the
  // probe and the dials leave from it, and a SYN from the other side that
  // arrives between two of our attempts (or before the offerer has the Go)
  // is accepted rather than reset. Only this device is told the port, and
  // the session that starts on it authenticates it as this device. The
  // daemon's listening port would do on a first round, but after a punched
  // session died silently its router may hold a dead mapping for the same
  // two endpoints for minutes.
  auto listener = TcpListener::Start(loop_, "0.0.0.0", 0,
                                     [this, device](UvHandle<uv_tcp_t> tcp, std::string remote) {
                                       OnPunched(device, remote, std::move(tcp));
                                     });
  if (!listener) {
    then(listener.error().Wrap("punch: no local port"));
    return;
  }
  peer.punch_listener = std::move(*listener);
  const int port = peer.punch_listener->port();
  auto probe = endpoint_probe_(port, [this, device, then](Result<std::string> found) {
    auto it = peers_.find(device);
    if (it != peers_.end()) it->second.probe.reset();  // allowed from inside its callback
    then(std::move(found));
  });
  if (!probe) {
    then(probe.error());
    return;
  }
  peer.probe = std::move(*probe);
}

void PeerManager::OnPunch(const DeviceId& device, Connection& connection,
                          const wire::Punch& message) {
  Peer& peer = PeerFor(device);
  const std::uint32_t round = message.round;
  switch (message.stage) {
    case wire::PunchStage::kOffer: {
      if (Offerer(device) || message.endpoints.empty() || !CanPunch(peer)) {
        // Not ours to take (or we cannot): say so, so the offerer moves on.
        (void)connection.session->SendPunch({wire::PunchStage::kFail, round, {}});
        return;
      }
      StopPunch(peer);
      peer.punch_round = round;
      peer.stats.punch = "punching";
      const std::string remote = message.endpoints.front();
      ProbeThen(device, [this, device, round, remote](Result<std::string> endpoint) {
        auto it = peers_.find(device);
        if (it == peers_.end() || it->second.punch_round != round || !CanPunch(it->second)) {
          return;
        }
        Session& session = *it->second.up->session;
        if (!endpoint) {
          it->second.stats.punch = endpoint.error().message;
          (void)session.SendPunch({wire::PunchStage::kFail, round, {}});
          return;
        }
        if (auto sent = session.SendPunch({wire::PunchStage::kGo, round, {*endpoint}}); !sent) {
          return;
        }
        SHOAL_LOG(kDebug) << "peer " << Short(device) << ": punch round " << round << " from "
                          << *endpoint << " to " << remote;
        PunchTo(device, remote);
      });
      return;
    }
    case wire::PunchStage::kGo:
      if (!Offerer(device) || round != peer.punch_round || message.endpoints.empty() ||
          peer.punch != nullptr || !CanPunch(peer)) {
        return;  // late or stray
      }
      PunchTo(device, message.endpoints.front());
      return;
    case wire::PunchStage::kFail:
      if (Offerer(device) && round == peer.punch_round && peer.punch == nullptr) {
        PunchFailed(device, "the device could not punch (no public endpoint)");
      }
      return;
  }
}

void PeerManager::PunchTo(const DeviceId& device, const std::string& remote) {
  Peer& peer = PeerFor(device);
  if (peer.punch_timer) peer.punch_timer->Stop();
  if (peer.punch_listener == nullptr) {
    PunchFailed(device, "punch: the round's port is gone");
    return;
  }
  auto dial = PunchDialer::Start(loop_, remote, peer.punch_listener->port(), options_.punch,
                                 [this, device, remote](Result<UvHandle<uv_tcp_t>> connected) {
                                   auto it = peers_.find(device);
                                   if (it == peers_.end()) return;
                                   it->second.punch.reset();  // allowed from inside its callback
                                   if (!connected) {
                                     PunchFailed(device, connected.error().message);
                                     return;
                                   }
                                   OnPunched(device, remote, std::move(*connected));
                                 });
  if (!dial) {
    PunchFailed(device, dial.error().message);
    return;
  }
  peer.punch = std::move(*dial);
}

// The hole is open (our dial connected, or the round's listener accepted):
// a session in which the answering device initiates.
void PeerManager::OnPunched(DeviceId device, std::string remote, UvHandle<uv_tcp_t> tcp) {
  Peer& peer = PeerFor(device);
  peer.punch.reset();
  peer.punch_listener.reset();  // the connection holds the port now
  const Role role = Offerer(device) ? Role::kResponder : Role::kInitiator;
  SHOAL_LOG(kInfo) << "peer " << Short(device) << ": hole punched to " << remote;
  if (StartSession(std::move(tcp), role, device, kPunchScheme + remote) == nullptr) {
    PunchFailed(device, "punched to " + remote + " but could not start a session");
  }
}

void PeerManager::PunchFailed(const DeviceId& device, std::string why) {
  auto it = peers_.find(device);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  StopPunch(peer);
  peer.stats.punch = why;
  if (!Offerer(device) || !CanPunch(peer)) return;
  ++peer.punch_failures;
  if (peer.punch_failures < options_.punch_rounds) {
    SHOAL_LOG(kInfo) << "peer " << Short(device) << ": hole punch round " << peer.punch_round
                     << " failed (" << why << "); trying again";
    SchedulePunch(device, options_.punch_retry * peer.punch_failures);
    return;
  }
  SHOAL_LOG(kInfo) << "peer " << Short(device) << ": hole punching failed " << peer.punch_failures
                   << " rounds in a row (" << why << "); staying relayed";
  peer.stats.punch = "failed " + std::to_string(peer.punch_failures) + " rounds: " + why;
  peer.punch_failures = 0;
  SchedulePunch(device, options_.punch_pause);
}

void PeerManager::StopPunch(Peer& peer) {
  peer.probe.reset();
  peer.punch.reset();
  peer.punch_listener.reset();
  if (peer.punch_timer) peer.punch_timer->Stop();
}

}  // namespace shoal::net
