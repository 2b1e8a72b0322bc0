// DeviceAddresses: where the peer manager dials each paired device — the
// addresses configured for it (`shoal devices add --address`, or the one a
// pairing dialed), then where LAN discovery recently heard it (the most
// recent first, a few per device, each forgotten 90 s after it was last
// heard: net/discovery/recent_sightings.h), then what rendezvous lookups
// found. A forged announcement adds an address to try; it never replaces
// the one the device itself keeps announcing. A paused device is not dialed
// at all.
//
// Thread: the loop thread. The index and the peer manager outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/device_id.h"
#include "core/store/index.h"
#include "net/discovery/recent_sightings.h"
#include "net/peer/peer_manager.h"
#include "net/reach/rendezvous_identity.h"

namespace shoal::cli {

// "a:1 b:2" (DeviceRecord::addresses) → {"a:1", "b:2"}.
std::vector<std::string> SplitAddresses(const std::string& text);

// A device's stored addresses with its learned ones (relayed addresses
// "relay://IP:PORT", its mapped port "tcp://IP:PORT", its rendezvous ID
// "rendezvous://ID") replaced by those
// its Hello announced (`learned`). Only well-formed ones are taken (numeric
// relay hosts, at most 4; one rendezvous ID); addresses the user configured
// are kept as they are, first.
std::string MergeLearnedAddresses(const std::string& stored,
                                  const std::vector<std::string>& learned);

inline constexpr char kRendezvousScheme[] = "rendezvous://";
// "relay://IP:PORT" or a mapped "tcp://IP:PORT" with a numeric IP and a
// port: the only announced addresses taken from peers and from the
// discovery server (at most 4).
bool IsNumericAnnouncedAddress(const std::string& address);
// The rendezvous ID among `addresses`, if any.
std::optional<net::RendezvousId> RendezvousIdOf(const std::vector<std::string>& addresses);

class DeviceAddresses {
 public:
  DeviceAddresses(Index& index, net::PeerManager& peers) : index_(index), peers_(peers) {}

  // Gives the peer manager `device`'s addresses, or forgets the device while
  // it is paused. Called whenever its record changed.
  void Apply(const DeviceRecord& device);
  // LAN discovery heard `device` at `address` ("host:port", "[v6]:port"),
  // at every announcement: a paired device's sighting is kept, and the
  // device is dialed at once when it is `news` (Sighting::news). Sightings
  // not heard for their lifetime are dropped here too.
  void OnSighting(const DeviceId& device, const std::string& address, bool news);
  // A rendezvous lookup found `device` at `addresses` (relay:// and tcp:// ones are
  // kept): it is dialed there at once. The IPs of its seen:// addresses
  // (net::SeenHost) are kept for SeenHosts.
  void OnFound(const DeviceId& device, const std::vector<std::string>& addresses);
  // A removed device: where it was seen is forgotten too.
  void DropSightings(const DeviceId& device);
  // `device` was seen at `hosts` some other way (the joiner of our invite):
  // kept as if a lookup had found them, until one does.
  void AdoptSeenHosts(const DeviceId& device, std::vector<std::string> hosts);
  // Every paired device's public IP as the discovery server last saw it,
  // sorted, each once: the hosts our relay allocations permit.
  std::vector<std::string> SeenHosts() const;
  // Runs whenever SeenHosts() changed.
  std::function<void()> on_seen_change;

  // Sightings kept per device, and how long one lasts unheard: three
  // announcement intervals (30 s), as in Discovery's own cache.
  static constexpr std::size_t kSightingsPerDevice = 4;
  static constexpr std::chrono::seconds kSightingLifetime{90};

 private:
  // Apply() for `device` if it is a paired one.
  void Reapply(const DeviceId& device);

  Index& index_;
  net::PeerManager& peers_;
  net::RecentSightings sighted_{kSightingsPerDevice, kSightingLifetime};
  std::map<std::string, std::vector<std::string>> found_;  // by rendezvous lookups
  std::map<std::string, std::vector<std::string>> seen_;   // their seen:// IPs
};

}  // namespace shoal::cli
