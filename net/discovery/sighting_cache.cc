#include "net/discovery/sighting_cache.h"

#include "core/base/check.h"

namespace shoal::net {

SightingCache::SightingCache(std::size_t capacity, std::chrono::milliseconds ttl)
    : capacity_(capacity), ttl_(ttl) {
  SHOAL_CHECK(capacity_ > 0, "sighting cache: capacity 0");
}

void SightingCache::Expire(Clock::time_point now) {
  while (!order_.empty() && now - order_.back().last_seen >= ttl_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
}

bool SightingCache::Observe(const Sighting& sighting, Clock::time_point now) {
  Expire(now);
  Key key{sighting.announcement.device, sighting.ip};
  auto found = index_.find(key);
  if (found != index_.end()) {
    auto entry = found->second;
    const bool changed = !(entry->announcement == sighting.announcement);
    entry->announcement = sighting.announcement;
    entry->last_seen = now;
    order_.splice(order_.begin(), order_, entry);
    return changed;
  }
  if (order_.size() >= capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  order_.push_front(Entry{key, sighting.announcement, now});
  index_.emplace(std::move(key), order_.begin());
  return true;
}

}  // namespace shoal::net
