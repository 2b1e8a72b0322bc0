#include "cli/daemon/device_addresses.h"

#include <algorithm>
#include <sstream>

#include "core/base/log.h"
#include "net/peer/socket_address.h"
#include "net/reach/rendezvous_client.h"

namespace shoal::cli {

std::vector<std::string> SplitAddresses(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

namespace {

std::optional<net::RendezvousId> ParseRendezvousAddress(const std::string& address) {
  if (!address.starts_with(kRendezvousScheme)) return std::nullopt;
  auto id = net::ParseRendezvousId(std::string_view(address).substr(sizeof(kRendezvousScheme) - 1));
  if (!id) return std::nullopt;
  return *id;
}

}  // namespace

bool IsNumericAnnouncedAddress(const std::string& address) {
  if (!net::IsRelayAddress(address) && !net::IsMappedAddress(address)) return false;
  auto split = net::SplitHostPort(net::DialTarget(address));
  return split && net::NumericAddress(split->host, split->port).has_value();
}

std::string MergeLearnedAddresses(const std::string& stored,
                                  const std::vector<std::string>& learned) {
  std::vector<std::string> kept;
  for (std::string& address : SplitAddresses(stored)) {
    if (!net::IsRelayAddress(address) && !net::IsMappedAddress(address) &&
        !address.starts_with(kRendezvousScheme)) {
      kept.push_back(std::move(address));
    }
  }
  std::size_t announced = 0;
  bool rendezvous = false;
  for (const std::string& address : learned) {
    if (address.starts_with(kRendezvousScheme)) {
      auto id = ParseRendezvousAddress(address);
      if (!id || rendezvous) continue;
      kept.push_back(kRendezvousScheme + net::RendezvousIdText(*id));
      rendezvous = true;
      continue;
    }
    if (!IsNumericAnnouncedAddress(address) || announced == 4) continue;
    if (std::find(kept.begin(), kept.end(), address) != kept.end()) continue;
    kept.push_back(address);
    ++announced;
  }
  std::string out;
  for (const std::string& address : kept) out += (out.empty() ? "" : " ") + address;
  return out;
}

void DeviceAddresses::Apply(const DeviceRecord& device) {
  if (device.paused) {
    peers_.Forget(device.id);
    return;
  }
  std::vector<std::string> addresses;
  for (std::string& address : SplitAddresses(device.addresses)) {
    if (!address.starts_with(kRendezvousScheme)) addresses.push_back(std::move(address));
  }
  std::vector<std::string> more = sighted_.Addresses(device.id);
  if (auto it = found_.find(device.id.ToString()); it != found_.end()) {
    more.insert(more.end(), it->second.begin(), it->second.end());
  }
  for (std::string& address : more) {
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(std::move(address));
    }
  }
  peers_.SetAddresses(device.id, addresses);
}

std::optional<net::RendezvousId> RendezvousIdOf(const std::vector<std::string>& addresses) {
  for (const std::string& address : addresses) {
    if (auto id = ParseRendezvousAddress(address)) return id;
  }
  return std::nullopt;
}

void DeviceAddresses::OnFound(const DeviceId& device, const std::vector<std::string>& addresses) {
  auto record = index_.FindDevice(device);
  if (!record || !*record || (*record)->is_local) return;
  std::vector<std::string> announced;
  for (const std::string& address : addresses) {
    if (IsNumericAnnouncedAddress(address) && announced.size() < 4) announced.push_back(address);
  }
  std::vector<std::string> seen = net::SeenHosts(addresses, 4);
  if (seen != seen_[device.ToString()]) {
    seen_[device.ToString()] = std::move(seen);
    if (on_seen_change) on_seen_change();
  }
  if (announced == found_[device.ToString()]) return;
  found_[device.ToString()] = announced;
  Apply(**record);
  peers_.DialNow(device);
}

void DeviceAddresses::DropSightings(const DeviceId& device) {
  sighted_.Forget(device);
  found_.erase(device.ToString());
  if (seen_.erase(device.ToString()) > 0 && on_seen_change) on_seen_change();
}

void DeviceAddresses::AdoptSeenHosts(const DeviceId& device, std::vector<std::string> hosts) {
  if (hosts.size() > 4) hosts.resize(4);
  if (hosts == seen_[device.ToString()]) return;
  seen_[device.ToString()] = std::move(hosts);
  if (on_seen_change) on_seen_change();
}

std::vector<std::string> DeviceAddresses::SeenHosts() const {
  std::vector<std::string> hosts;
  for (const auto& [device, seen] : seen_) hosts.insert(hosts.end(), seen.begin(), seen.end());
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

void DeviceAddresses::Reapply(const DeviceId& device) {
  auto record = index_.FindDevice(device);
  if (record && *record && !(*record)->is_local) Apply(**record);
}

void DeviceAddresses::OnSighting(const DeviceId& device, const std::string& address, bool news) {
  const auto now = std::chrono::steady_clock::now();
  for (const DeviceId& expired : sighted_.Expire(now)) Reapply(expired);
  auto record = index_.FindDevice(device);
  if (!record || !*record || (*record)->is_local) return;
  const std::vector<std::string> before = sighted_.Addresses(device);
  if (sighted_.Heard(device, address, now)) {
    if (!before.empty() && std::find(before.begin(), before.end(), address) == before.end()) {
      // Two devices claim one ID, or it moved, or has an address per
      // network: the handshake tells, so every one is dialed.
      std::string also;
      for (const std::string& other : before) also += (also.empty() ? "" : ", ") + other;
      SHOAL_LOG(kInfo) << "device " << ShortIdString(device.ShortId()) << " announced at "
                       << address << " as well as " << also
                       << ": announcements are unauthenticated, so each address is dialed, the "
                          "most recent first, until the handshake finds the device";
    }
    Apply(**record);
  }
  if (news) peers_.DialNow(device);
}

}  // namespace shoal::cli
