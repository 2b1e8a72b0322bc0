// Relays: the daemon's TURN relay allocations (net/reach/turn_client.h), one
// per configured relay. It
// - hands connections peers make to our relayed addresses to the peer
//   manager (as relayed sessions, where we are the responder);
// - dials a device's relayed address ("relay://IP:PORT") through our own
//   allocation, so only the relay itself needs a permission, and a relayed
//   session's second leg through a second allocation on the same relay;
// - learns the public endpoint of our listening port from the relay, for
//   hole punching;
// - reports when the relayed addresses change (the daemon puts them in our
//   Hello and announces them for rendezvous).
//
// Thread: the loop thread. The loop and the peer manager outlive it.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/loop/event_loop.h"
#include "net/peer/peer_manager.h"
#include "net/reach/turn_client.h"

namespace shoal::cli {

class Relays {
 public:
  // `on_change` runs (later, on the loop) whenever an allocation comes or goes.
  Relays(net::EventLoop& loop, net::PeerManager& peers, std::function<void()> on_change = nullptr,
         net::TurnOptions options = {});
  ~Relays();

  // Starts an allocation on each of `relays`, replacing any before.
  Result<void> Configure(const std::vector<net::TurnServer>& relays);

  // For PeerManager::SetRelayDialer: `address` is "IP:PORT" of a peer's
  // relayed address. Through the first allocation that is up; with none,
  // plain TCP (the peer's relay must then permit our address).
  Result<std::unique_ptr<net::PendingDial>> Dial(const std::string& address,
                                                 std::chrono::milliseconds timeout,
                                                 net::DialDone done);

  // For PeerManager::SetSecondLegDialer: through the second allocation on
  // the relay Dial uses (docs/protocol.md "Two legs"); plain TCP when it is
  // not up.
  Result<std::unique_ptr<net::PendingDial>> DialSecondLeg(const std::string& address,
                                                          std::chrono::milliseconds timeout,
                                                          net::DialDone done);

  // For PeerManager::SetEndpointProbe: the public endpoint of `local_port`,
  // from a STUN Binding to the first relay (net/reach/public_endpoint.h).
  // Fails at once with kNotFound when no relay is configured.
  Result<std::unique_ptr<net::PendingDial>> ProbePublicEndpoint(
      int local_port, std::function<void(Result<std::string>)> done);

  // The hosts (IPs) every allocation permits besides the relay itself, now
  // and in those Configure starts later: where paired devices with no
  // relay of their own dial our relayed address from.
  void PermitHosts(std::vector<std::string> hosts);
  const std::vector<std::string>& permitted() const { return permitted_; }

  bool configured() const { return !slots_.empty(); }
  // "relay://IP:PORT" of each allocation that is up.
  std::vector<std::string> RelayedAddresses() const;
  // One object per relay: url (no secret), state, relayed and public
  // address, the hosts it permits, last error.
  nlohmann::json Status() const;

 private:
  class Slot;  // one TurnClient and its delegate
  void OnAllocationsChanged();
  Result<std::unique_ptr<net::PendingDial>> DialThrough(
      std::unique_ptr<net::TurnClient> Slot::*allocation, const std::string& address,
      std::chrono::milliseconds timeout, net::DialDone done);

  net::EventLoop& loop_;
  net::PeerManager& peers_;
  std::function<void()> on_change_;
  net::TurnOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::string> permitted_;
};

}  // namespace shoal::cli
