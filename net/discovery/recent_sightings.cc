#include "net/discovery/recent_sightings.h"

#include <algorithm>

#include "core/base/check.h"

namespace shoal::net {

RecentSightings::RecentSightings(std::size_t per_device, std::chrono::milliseconds ttl)
    : per_device_(per_device), ttl_(ttl) {
  SHOAL_CHECK(per_device_ > 0, "recent sightings: 0 per device");
}

bool RecentSightings::Heard(const DeviceId& device, const std::string& address,
                            Clock::time_point now) {
  std::vector<Entry>& list = devices_[device];
  auto found = std::find_if(list.begin(), list.end(),
                            [&](const Entry& entry) { return entry.address == address; });
  if (found == list.begin() && found != list.end()) {
    found->heard = now;
    return false;
  }
  if (found != list.end()) {
    list.erase(found);
  } else if (list.size() >= per_device_) {
    list.pop_back();  // heard least recently
  }
  list.insert(list.begin(), Entry{address, now});
  return true;
}

std::vector<DeviceId> RecentSightings::Expire(Clock::time_point now) {
  std::vector<DeviceId> changed;
  for (auto it = devices_.begin(); it != devices_.end();) {
    std::vector<Entry>& list = it->second;
    const std::size_t before = list.size();
    std::erase_if(list, [&](const Entry& entry) { return now - entry.heard >= ttl_; });
    if (list.size() != before) changed.push_back(it->first);
    it = list.empty() ? devices_.erase(it) : std::next(it);
  }
  return changed;
}

std::vector<std::string> RecentSightings::Addresses(const DeviceId& device) const {
  std::vector<std::string> out;
  auto it = devices_.find(device);
  if (it == devices_.end()) return out;
  for (const Entry& entry : it->second) out.push_back(entry.address);
  return out;
}

std::size_t RecentSightings::size() const {
  std::size_t n = 0;
  for (const auto& [device, list] : devices_) n += list.size();
  return n;
}

}  // namespace shoal::net
