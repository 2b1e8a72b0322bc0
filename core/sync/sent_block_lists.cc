#include "core/sync/sent_block_lists.h"

namespace shoal {

void SentBlockLists::Remember(const std::string& name, const VersionVector& version,
                              const std::vector<BlockRef>& blocks) {
  if (auto it = kept_.find(name); it != kept_.end()) {
    held_blocks_ -= it->second.entry.blocks.size();
    kept_.erase(it);  // its order_ entry goes stale and is skipped
  }
  if (blocks.size() > budget_blocks_) return;
  const std::uint64_t stamp = next_stamp_++;
  kept_[name] = Kept{{version, blocks}, stamp};
  order_.emplace_back(stamp, name);
  held_blocks_ += blocks.size();
  while (held_blocks_ > budget_blocks_ && !order_.empty()) {
    auto [oldest_stamp, oldest] = std::move(order_.front());
    order_.pop_front();
    auto it = kept_.find(oldest);
    if (it == kept_.end() || it->second.stamp != oldest_stamp) continue;
    held_blocks_ -= it->second.entry.blocks.size();
    kept_.erase(it);
  }
  // Stale order_ entries from replaced names stay bounded by the live ones.
  if (order_.size() > 2 * kept_.size() + 64) {
    std::deque<std::pair<std::uint64_t, std::string>> live;
    for (auto& item : order_) {
      auto it = kept_.find(item.second);
      if (it != kept_.end() && it->second.stamp == item.first) live.push_back(std::move(item));
    }
    order_ = std::move(live);
  }
}

const SentBlockLists::Entry* SentBlockLists::Find(const std::string& name) const {
  auto it = kept_.find(name);
  return it == kept_.end() ? nullptr : &it->second.entry;
}

}  // namespace shoal
