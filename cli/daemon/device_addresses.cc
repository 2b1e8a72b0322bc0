#include "cli/daemon/device_addresses.h"

#include <algorithm>
#include <sstream>

#include "net/peer/socket_address.h"

namespace shoal::cli {

std::vector<std::string> SplitAddresses(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

std::string MergeRelayAddresses(const std::string& stored,
                                const std::vector<std::string>& learned) {
  std::vector<std::string> kept;
  for (std::string& address : SplitAddresses(stored)) {
    if (!net::IsRelayAddress(address)) kept.push_back(std::move(address));
  }
  std::size_t relays = 0;
  for (const std::string& address : learned) {
    if (!net::IsRelayAddress(address) || relays == 4) continue;
    auto split = net::SplitHostPort(std::string_view(address).substr(8));
    if (!split || !net::NumericAddress(split->host, split->port)) continue;
    if (std::find(kept.begin(), kept.end(), address) != kept.end()) continue;
    kept.push_back(address);
    ++relays;
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
  std::vector<std::string> addresses = SplitAddresses(device.addresses);
  auto found = sighted_.find(device.id.ToString());
  if (found != sighted_.end()) {
    addresses.insert(addresses.end(), found->second.begin(), found->second.end());
  }
  peers_.SetAddresses(device.id, addresses);
}

void DeviceAddresses::OnSighting(const DeviceId& device, const std::string& address) {
  auto record = index_.FindDevice(device);
  if (!record || !*record || (*record)->is_local) return;
  sighted_[device.ToString()] = {address};
  Apply(**record);
  peers_.DialNow(device);
}

}  // namespace shoal::cli
