// PeerManager: keeps one session per paired device (docs/protocol.md "Peer
// manager"). It accepts connections, dials each device's addresses while it
// is not connected, racing them: in order of preference, one more every
// 250 ms while none has authenticated the device and at once when one
// fails. Connections that open are handshaken while the race goes on, so a
// listener that accepts and never speaks holds up nothing; the first whose
// handshake authenticates the device wins, and the other handshakes and
// connects stop before the device can authenticate a second one (an
// address where another device's key answers costs one attempt and the
// race goes on with the rest); after a round with no session it retries with
// jittered exponential backoff (net/peer/backoff.h), and when two sessions
// with one device are established at once keeps the better path (direct
// over punched over relayed), then the one whose initiator has the larger
// device ID, on both sides. While a device's session is relayed, its direct addresses are still
// dialed (with the same backoff), and both devices try a TCP hole punch
// (docs/protocol.md "Hole punching"; peer_manager_punch.cc), so that a
// better session can replace it.
//
// What the delegate sees per device: OnPeerUp(session) once that session is
// established, its messages, then OnPeerDown when it ends — or when a
// duplicate connection that wins the tie-break replaces it, in which case
// OnPeerUp for the survivor follows at once. The Session& given to OnPeerUp
// stays valid until OnPeerDown for that device. Inbound connections from
// devices the delegate says are not paired are refused in the handshake and
// never reach the delegate.
//
// Lifetime: Shutdown() ends everything gracefully and calls `done` once
// every connection is closed; the manager may be destroyed then (or from
// inside `done`). Destroying it earlier drops all connections at once with no
// callbacks. Either way the loop must run (or EventLoop::Close()) after
// destruction so libuv can free the handles.
//
// Thread: the loop's thread only, for every method and callback. Delegate
// callbacks may call any method here except destroying the manager.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "core/model/device_id.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/backoff.h"
#include "net/peer/leg_dial.h"
#include "net/peer/leg_sorter.h"
#include "net/peer/pending_dial.h"
#include "net/peer/punch_dialer.h"
#include "net/peer/tcp_dialer.h"
#include "net/peer/tcp_listener.h"
#include "net/session/session.h"

namespace shoal::net {

// A device's address on a TURN relay ("relay://198.51.100.10:50001"); a
// session over it is "relayed" (docs/protocol.md "Relays").
inline constexpr char kRelayScheme[] = "relay://";
inline bool IsRelayAddress(std::string_view address) {
  return address.substr(0, sizeof(kRelayScheme) - 1) == kRelayScheme;
}
// "IP:PORT" of a relay address (the address itself if it is not one).
inline std::string RelayTarget(std::string_view address) {
  return std::string(IsRelayAddress(address) ? address.substr(sizeof(kRelayScheme) - 1) : address);
}
// A device's listening port as mapped on its router (NAT-PMP, UPnP):
// "tcp://IP:PORT", announced in its Hello and on the discovery server and
// dialed like "IP:PORT".
inline constexpr char kMappedScheme[] = "tcp://";
inline bool IsMappedAddress(std::string_view address) {
  return address.substr(0, sizeof(kMappedScheme) - 1) == kMappedScheme;
}
// "IP:PORT" to dial for a relay:// or tcp:// address; any other as it is.
inline std::string DialTarget(std::string_view address) {
  if (IsMappedAddress(address)) return std::string(address.substr(sizeof(kMappedScheme) - 1));
  return RelayTarget(address);
}
// A session over a hole punched through both NATs ("punch://IP:PORT", the
// other device's public endpoint). Never dialed from an address list.
inline constexpr char kPunchScheme[] = "punch://";

// How a session reaches the device, worst first. kLan: a direct
// connection with a private, link-local or loopback address
// (IsLocalNetworkHost); kDirect: any other direct one.
enum class PathClass { kRelayed = 0, kPunched = 1, kDirect = 2, kLan = 3 };
PathClass PathOf(std::string_view address);
std::string_view PathClassName(PathClass path);  // "relayed", "punched", "direct", "lan"
// The rank the duplicate rule keeps the better of. LAN ranks with direct: a
// connection hairpinned through a router looks LAN from one end and direct
// from the other, and both ends must rank a session alike.
int PathRank(PathClass path);

// Learns the public endpoint ("IP:PORT") of a local port (a punch round's,
// listening and shared), for hole punching (the daemon asks its TURN server:
// net/reach/public_endpoint.h). `done` runs once, later, unless the returned handle is destroyed
// first.
using EndpointProbe = std::function<Result<std::unique_ptr<PendingDial>>(
    int local_port, std::function<void(Result<std::string> endpoint)> done)>;

struct PeerManagerOptions {
  SessionOptions session;  // for every session, inbound and outbound
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds dial_timeout{10000};  // TCP connect, per address
  std::uint64_t seed = 0;                         // backoff jitter; 0: random
  // Hole punching (docs/protocol.md "Hole punching"): the first round this
  // long after a relayed session is up, the next ones `punch_retry` times
  // the failures so far later, and after `punch_rounds` failed rounds a
  // pause of `punch_pause` before trying again.
  PunchTiming punch;
  std::chrono::milliseconds punch_first{1000};
  std::chrono::milliseconds punch_retry{5000};
  int punch_rounds = 3;
  std::chrono::milliseconds punch_pause{std::chrono::minutes(10)};
  // Two legs (docs/protocol.md "Two legs"): a relayed address is dialed
  // twice, one connection for each direction, so coturn's two-way stall
  // cannot happen. The session waits this long past its first connection
  // for the second before it runs on the first alone; a responder waits
  // `leg_wait` for a second leg that was offered.
  bool two_legs = true;
  std::chrono::milliseconds second_leg_wait{2000};
  std::chrono::milliseconds leg_wait{3000};
};

// Implemented by the daemon; every call comes on the loop thread.
class PeerManagerDelegate {
 public:
  virtual ~PeerManagerDelegate() = default;
  virtual bool IsPaired(const DeviceId& device) = 0;
  // The one live session for `device` is established (peer Hello arrived).
  // The delegate may Send on it until OnPeerDown. `address` is what we dialed
  // ("10.0.0.2:22000") or, inbound, the remote host ("10.0.0.2").
  virtual void OnPeerUp(const DeviceId& device, Session& session, const wire::Hello& hello,
                        const std::string& address) = 0;
  // A message on the device's established session, in arrival order.
  virtual void OnMessage(const DeviceId& device, wire::PeerMessage message) = 0;
  virtual void OnWritable(const DeviceId& /*device*/) {}
  // Only after OnPeerUp, exactly once per OnPeerUp.
  virtual void OnPeerDown(const DeviceId& device, const SessionEndInfo& end) = 0;
  // A pairing session (SessionOptions::pairing_psk, the joiner dialed us)
  // completed: `device` proved it knows the invite. Storing it is up to the
  // delegate; the session then ends without ever being a device's session.
  virtual void OnPaired(const DeviceId& /*device*/, const wire::PairAccept& /*accept*/,
                        const std::string& /*comparison_code*/, const std::string& /*address*/) {}
};

class PeerManager {
 public:
  PeerManager(EventLoop& loop, const Identity& identity, PeerManagerDelegate& delegate,
              PeerManagerOptions options);
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;
  ~PeerManager();

  // Accepts connections on host:port (see TcpListener::Start). Once only.
  Result<void> Listen(const std::string& host, int port);
  int listen_port() const;

  // Addresses to dial for a paired device ("host:port", static config, LAN
  // discovery), best first; replaces the previous list (the same list
  // again changes nothing: a round in progress goes on). While the device
  // is not connected they are dialed in order, every round from the first,
  // with backoff after each full round. An empty list stops dialing (an
  // established session stays).
  void SetAddresses(const DeviceId& device, std::vector<std::string> addresses);
  // How "relay://HOST:PORT" addresses (a device's relayed address on a TURN
  // server) are dialed: through our own relay allocation when there is one.
  // Without a relay dialer they are dialed as plain TCP. The function gets
  // the address without the scheme.
  void SetRelayDialer(DialFunction dialer) { relay_dialer_ = std::move(dialer); }
  // How a relayed session's second leg is dialed: it must not share the
  // first one's way out (one relay allocation connects to a peer address
  // once), so through a second allocation. Without one, as plain TCP.
  void SetSecondLegDialer(DialFunction dialer) { second_leg_dialer_ = std::move(dialer); }
  // Enables hole punching: without a probe no punch is offered, and a
  // peer's offer is answered with Fail.
  void SetEndpointProbe(EndpointProbe probe) { endpoint_probe_ = std::move(probe); }
  // A connection a peer made to our relayed address, already bound by the
  // relay (net/reach/turn_client.h); `peer` is the address the relay saw.
  void AcceptRelayed(UvHandle<uv_tcp_t> tcp, const std::string& peer);
  // What our Hello tells peers about other ways to reach us (our relayed
  // addresses); sessions that start from now on carry it.
  void SetHelloAddresses(std::vector<std::string> addresses) {
    options_.session.hello.addresses = std::move(addresses);
  }
  // Dials at once instead of waiting out the backoff (a fresh sighting).
  void DialNow(const DeviceId& device);
  // Closes the device's session (Close normal; OnPeerDown follows when it
  // has ended), stops dialing it and forgets its addresses and stats. An
  // inbound connection from it is still accepted while IsPaired says so.
  void Forget(const DeviceId& device);
  // The established session with `device`, or nullptr.
  Session* SessionFor(const DeviceId& device);

  struct PeerStats {
    bool connected = false;
    std::string address;                  // of the current (or last) session
    PathClass path = PathClass::kDirect;  // of that session
    int legs = 1;  // connections of the current session (2: a relayed one on two legs)
    // Hole punching with this device: "" (never tried), "punching",
    // "punched", or why the last round failed.
    std::string punch;
    // Bytes on the socket (ciphertext) of the current or last session.
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    // Bytes per second over the last few seconds; 0 when not connected.
    double rate_in = 0;
    double rate_out = 0;
    std::int64_t connected_since_ms = 0;  // Unix time; 0 when not connected
    std::string last_error;               // why the last session or dial ended
  };
  // nullopt for a device with neither addresses nor a session.
  std::optional<PeerStats> Stats(const DeviceId& device) const;
  // Connections open or opening, handshaking ones included (status, tests).
  std::size_t ConnectionCount() const { return connections_.size(); }

  // Ends every session gracefully (Close normal), stops listening and
  // dialing; `done` runs when all connections are closed.
  void Shutdown(std::function<void()> done);

 private:
  class Connection;
  struct DialAttempt {
    std::uint64_t serial = 0;
    std::string address;
    std::unique_ptr<PendingDial> pending;
  };
  struct Peer {
    explicit Peer(Backoff b) : backoff(b) {}
    std::vector<std::string> addresses;
    // The round's addresses not yet dialed, in order of preference; a round
    // begins when this and `dials` are empty.
    std::deque<std::string> to_dial;
    std::size_t failures_in_round = 0;  // dials or handshakes that failed
    Backoff backoff;
    std::unique_ptr<Timer> retry;  // the backoff wait
    bool waiting = false;          // `retry` is running
    // Connects in progress, in the order started. A new one starts every
    // kDialStagger while no handshake has authenticated the device, and at
    // once when one fails; the first to authenticate it stops the others.
    std::vector<DialAttempt> dials;
    std::unique_ptr<Timer> stagger;
    // Our dialed sessions before Hello, in the order they connected: one
    // once a handshake has authenticated the device, several while none has.
    std::vector<Connection*> outbound;
    Connection* up = nullptr;    // the established session
    Connection* held = nullptr;  // established, loses to one in `outbound` if that succeeds
    PeerStats stats;
    // Hole punching (peer_manager_punch.cc).
    std::uint32_t punch_round = 0;                // the round in progress or last
    int punch_failures = 0;                       // rounds failed in a row
    std::unique_ptr<PendingDial> probe;           // learning our public endpoint
    std::unique_ptr<PendingDial> punch;           // the PunchDialer
    std::unique_ptr<TcpListener> punch_listener;  // on the round's local port
    std::unique_ptr<Timer> punch_timer;           // next round, or the answer's deadline
  };

  // Dialing (peer_manager.cc).
  Peer& PeerFor(const DeviceId& device);
  bool Idle(const Peer& peer) const;
  bool Upgrading(const Peer& peer) const;
  static std::size_t DirectAddresses(const Peer& peer);
  static constexpr std::chrono::milliseconds kDialStagger{250};
  void Dial(const DeviceId& device);
  void StaggerNext(const DeviceId& device);
  void ArmStagger(const DeviceId& device, Peer& peer);
  // A handshake of the race has authenticated the device: no new dial
  // starts until it establishes or fails.
  static bool Decided(const Peer& peer);
  static void CancelDials(Peer& peer);
  // Called from `winner`'s authorize (a dialed connection of the race; a
  // punched one is left alone), when its handshake has shown the
  // device's key: the other handshakes of the race are closed before
  // they can complete (so the device authenticates one connection of
  // ours), the connects are cancelled, and all their addresses go back to
  // the head of the round in case `winner` fails before Hello.
  void OnOutboundAuthenticated(const DeviceId& device, Connection& winner);
  // Whether one of our dialed sessions still in its handshake would win
  // over `connection` if it succeeded (the tie-break, Survivor).
  bool OutboundBeats(const Peer& peer, const Connection& connection) const;
  // `second`: a relayed session's second leg, when it has one.
  void OnDialed(const DeviceId& device, std::uint64_t serial, const std::string& address,
                Result<UvHandle<uv_tcp_t>> connected, UvHandle<uv_tcp_t> second = {});
  Result<std::unique_ptr<PendingDial>> DialRelayed(const std::string& address, DialDone done,
                                                   LegDial::Done two_legs_done);
  void DialFailed(const DeviceId& device, std::string why);
  void ScheduleRetry(const DeviceId& device, std::chrono::milliseconds delay);

  // Hole punching (peer_manager_punch.cc).
  bool Offerer(const DeviceId& device) const { return identity_.device_id() > device; }
  bool CanPunch(const Peer& peer) const;
  void SchedulePunch(const DeviceId& device, std::chrono::milliseconds delay);
  void StartPunchRound(const DeviceId& device);
  void OnPunch(const DeviceId& device, Connection& connection, const wire::Punch& message);
  void ProbeThen(const DeviceId& device, std::function<void(Result<std::string>)> then);
  void PunchTo(const DeviceId& device, const std::string& remote);
  // By value: it may destroy the round listener whose callback holds them.
  void OnPunched(DeviceId device, std::string remote, UvHandle<uv_tcp_t> tcp);
  void PunchFailed(const DeviceId& device, std::string why);
  void StopPunch(Peer& peer);

  // Sessions (peer_manager_sessions.cc).
  // `second` and `already_read`: see TcpStream::AdoptLegs and Session::Start.
  Connection* StartSession(UvHandle<uv_tcp_t> tcp, Role role, std::optional<DeviceId> expected,
                           std::string address, UvHandle<uv_tcp_t> second = {},
                           Bytes already_read = {});
  void OnRelayedSorted(LegSorter::Sorted sorted);
  void OnAccept(UvHandle<uv_tcp_t> tcp, const std::string& remote_address);
  // Strangers (docs/security.md "Strangers"): an accepted connection is a
  // stranger until its handshake completes. At most kMaxHandshakes of them
  // at once and kMaxHandshakesPerSource from one host: one more from that
  // host is closed at once; one more when all kMaxHandshakes are taken
  // replaces the oldest. Each has 5 s (SessionOptions::handshake_timeout).
  // So a flood costs a bounded number of fds and buffers, and a real peer's
  // quick handshake still gets through. Drops are logged every 10 s.
  bool AdmitStranger(const std::string& source);
  static constexpr std::size_t kMaxHandshakes = 64;
  static constexpr std::size_t kMaxHandshakesPerSource = 4;
  void OnEstablished(Connection& connection, const wire::Hello& hello);
  void MarkUp(Peer& peer, Connection& connection);
  void CloseDuplicate(Connection& connection);
  void PromoteHeld(const DeviceId& device);
  const Connection& Survivor(const Connection& a, const Connection& b) const;
  bool Stale(const Connection& current, const Connection& newcomer) const;
  static constexpr std::chrono::milliseconds kStaleAfter{10000};
  static constexpr std::chrono::milliseconds kUnacknowledgedTimeout{20000};
  void OnEnd(Connection& connection, const SessionEndInfo& end);
  void MaybeFinishShutdown();

  EventLoop& loop_;
  const Identity& identity_;
  PeerManagerDelegate& delegate_;
  PeerManagerOptions options_;
  std::mt19937_64 seeds_;  // one Backoff seed per device
  std::uint64_t next_serial_ = 0;
  std::uint64_t strangers_refused_ = 0;  // since the last log line about them
  std::uint64_t strangers_logged_ms_ = 0;
  std::unique_ptr<TcpListener> listener_;
  DialFunction relay_dialer_;
  DialFunction second_leg_dialer_;
  std::unique_ptr<LegSorter> leg_sorter_;  // made at the first relayed connection
  EndpointProbe endpoint_probe_;
  std::map<DeviceId, Peer> peers_;
  std::vector<std::unique_ptr<Connection>> connections_;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::unique_ptr<Timer> shutdown_timer_;  // runs shutdown_done_ outside session callbacks
};

}  // namespace shoal::net
