#include "cli/daemon/device_addresses.h"

#include <sstream>

namespace shoal::cli {

std::vector<std::string> SplitAddresses(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
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
