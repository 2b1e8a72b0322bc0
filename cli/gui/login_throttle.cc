#include "cli/gui/login_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace shoal::cli {

std::string LoginThrottle::KeyFor(const std::string& remote) {
  std::array<unsigned char, 16> v6{};
  if (remote.find(':') == std::string::npos ||
      inet_pton(AF_INET6, remote.c_str(), v6.data()) != 1) {
    return remote;
  }
  if (v6[0] == 0 && v6[1] == 0 && v6[10] == 0xff && v6[11] == 0xff) {  // ::ffff:a.b.c.d
    char v4[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, v6.data() + 12, v4, sizeof(v4)) != nullptr) return v4;
  }
  char prefix[40] = {};
  std::snprintf(prefix, sizeof(prefix), "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", v6[0], v6[1],
                v6[2], v6[3], v6[4], v6[5], v6[6], v6[7]);
  return prefix;
}

std::chrono::milliseconds LoginThrottle::WaitFor(const std::string& remote,
                                                 Clock::time_point now) const {
  auto it = entries_.find(remote);
  if (it == entries_.end() || it->second.next_allowed <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(it->second.next_allowed - now);
}

void LoginThrottle::Failed(const std::string& remote, Clock::time_point now) {
  if (!entries_.contains(remote) && entries_.size() >= kMaxTracked) {
    auto idlest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
    entries_.erase(idlest);
  }
  Entry& entry = entries_[remote];
  ++entry.failures;
  entry.last_seen = now;
  const int beyond = entry.failures - kFreeFailures;
  if (beyond <= 0) return;
  // 1 s, 2 s, 4 s ... capped; the shift is bounded before it could overflow.
  const auto wait =
      std::min<std::chrono::seconds>(kFirstWait * (1LL << std::min(beyond - 1, 20)), kMaxWait);
  entry.next_allowed = now + wait;
}

}  // namespace shoal::cli
