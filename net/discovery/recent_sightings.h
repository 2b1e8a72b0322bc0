// RecentSightings: where each device was recently heard on the LAN, for
// dialing (docs/protocol.md "Discovery", "Dialing sightings"). An
// announcement is an unauthenticated hint, so one forged announcement
// carrying a device's ID must not hide the address the device really
// announces: each device keeps the few addresses it was heard at most
// recently, most recent first, and the dialer tries them all in that order.
//
// Bounds: at most `per_device` addresses per device (a new one pushes out
// the one heard least recently), each forgotten once it has not been heard
// for `ttl`. So an attacker announcing many addresses for one device ID
// costs a fixed amount of memory; a real device that keeps announcing (every
// interval) comes back first within one interval. Which devices are worth
// keeping is the caller's choice (the daemon: paired ones only), and that
// bounds the number of devices.
//
// Pure (time is passed in); thread: whoever owns it, here the loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/model/device_id.h"

namespace shoal::net {

class RecentSightings {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_device` > 0; addresses not heard for `ttl` are forgotten.
  RecentSightings(std::size_t per_device, std::chrono::milliseconds ttl);

  // `device` was heard at `address` ("host:port") at `now`. True when its
  // list changed: a new address, or one that moved to the front.
  bool Heard(const DeviceId& device, const std::string& address, Clock::time_point now);
  // Forgets what was not heard for `ttl` before `now`; returns the devices
  // whose list changed.
  std::vector<DeviceId> Expire(Clock::time_point now);
  // `device`'s addresses, the most recently heard first; empty if none.
  std::vector<std::string> Addresses(const DeviceId& device) const;
  void Forget(const DeviceId& device) { devices_.erase(device); }
  // Addresses kept over all devices.
  std::size_t size() const;

 private:
  struct Entry {
    std::string address;
    Clock::time_point heard;
  };

  std::size_t per_device_;
  std::chrono::milliseconds ttl_;
  std::map<DeviceId, std::vector<Entry>> devices_;  // each list most recent first, never empty
};

}  // namespace shoal::net
