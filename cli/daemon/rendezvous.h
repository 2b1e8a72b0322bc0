// Rendezvous: finding paired devices across the internet through a
// discovery server the user configured (docs/protocol.md "Rendezvous").
// - Announces this device's relayed addresses under its rendezvous ID.
// - Tells connected peers that ID (our Hello carries "rendezvous://ID").
// - While a paired device whose rendezvous ID we learned is not connected,
//   looks it up (at once after it disconnects, then every 2 s doubling to
//   60 s) and has it dialed where it was found.
//
// Thread: the loop thread. Everything it is given outlives it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/daemon/device_addresses.h"
#include "cli/daemon/peer_hub.h"
#include "core/store/index.h"
#include "net/loop/timer.h"
#include "net/reach/rendezvous_client.h"

namespace shoal::cli {

class Rendezvous {
 public:
  Rendezvous(net::EventLoop& loop, Index& index, PeerHub& hub, DeviceAddresses& addresses,
             std::string home);
  ~Rendezvous();

  // Starts using `server` (nullopt: none). The rendezvous key is made on
  // first use and kept in the home.
  Result<void> Configure(const std::optional<net::DiscoveryServer>& server);
  // What we announce (our relayed addresses).
  void Announce(std::vector<std::string> addresses);
  // "rendezvous://ID" while a server is configured, for our Hello.
  std::vector<std::string> HelloAddresses() const;
  nlohmann::json Status() const;
  // A device connected, disconnected, was added or resumed: lookups resume
  // if one is needed.
  void Wake();
  // A session with a paired device failed (timed out, reset): we may have
  // moved, since a new public IP ends sessions that way, so announce again,
  // at most 30 s after the last announcement; the device's relay then
  // permits where the server sees us now.
  void ConnectionLost();
  bool configured() const { return client_ != nullptr; }

  // Pairing across the internet: while an invite lasts the inviter also
  // announces its relayed addresses under the invite's rendezvous identity
  // (derived from the secret), and the joiner looks that up. The joiner
  // announces under `joiner` (also from the secret), which the inviter
  // looks up every 2 s meanwhile: where the server saw the joiner
  // (joiner_hosts) is permitted on our relays.
  void AnnounceInvite(net::RendezvousIdentity invite, const net::RendezvousId& joiner,
                      std::chrono::seconds lifetime);
  void WithdrawInvite();
  // The joiner's seen IPs found while the invite lasts (cleared with it).
  const std::vector<std::string>& joiner_hosts() const { return joiner_hosts_; }
  // Runs whenever joiner_hosts() changed.
  std::function<void()> on_joiner_hosts;
  // The joining side: announces what we announce under `identity` for as
  // long as the returned client lives. Null when no server is configured.
  std::unique_ptr<net::RendezvousClient> AnnounceAs(net::RendezvousIdentity identity);
  // One lookup of `id`; `done` gets what was found (empty when nothing or
  // on error). Null when no server is configured.
  std::unique_ptr<net::HttpsRequest> LookupOnce(const net::RendezvousId& id,
                                                std::function<void(std::vector<std::string>)> done);

 private:
  struct Lookup {
    std::unique_ptr<net::HttpsRequest> in_flight;
    std::chrono::steady_clock::time_point next{};
    std::chrono::seconds wait{0};  // the last wait; doubles after each miss
  };
  void Tick();
  void LookUpJoiner();
  void SetJoinerHosts(std::vector<std::string> hosts);

  net::EventLoop& loop_;
  Index& index_;
  PeerHub& hub_;
  DeviceAddresses& addresses_;
  std::string home_;
  std::unique_ptr<net::RendezvousClient> client_;
  std::unique_ptr<net::RendezvousClient> invite_;  // while an invite lasts
  std::unique_ptr<net::Timer> invite_end_;
  std::optional<net::RendezvousId> joiner_;  // looked up while the invite lasts
  std::unique_ptr<net::HttpsRequest> joiner_lookup_;
  std::unique_ptr<net::Timer> joiner_timer_;
  std::vector<std::string> joiner_hosts_;
  std::vector<std::string> announced_;
  std::map<std::string, Lookup> lookups_;  // device text → state
  std::unique_ptr<net::Timer> tick_;
  bool ticking_ = false;
};

}  // namespace shoal::cli
