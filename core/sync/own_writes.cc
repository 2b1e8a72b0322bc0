#include "core/sync/own_writes.h"

namespace shoal {
namespace {

// A directory's mtime and size follow its children (the puller's renames
// into it change them); its kind, mode and inode are what it was made as.
bool Same(const std::optional<FileStat>& a, const std::optional<FileStat>& b) {
  if (!a || !b) return !a && !b;
  if (a->kind == EntryKind::kDirectory && b->kind == EntryKind::kDirectory) {
    return a->permissions == b->permissions && a->inode == b->inode;
  }
  return *a == *b;
}

}  // namespace

void OwnWrites::Record(const std::string& name, std::optional<FileStat> state,
                       std::int64_t now_ns) {
  Expire(now_ns);
  by_name_[name] = Entry{std::move(state), now_ns};
  order_.emplace_back(now_ns, name);
  while (by_name_.size() > kOwnWriteCap && !order_.empty()) {
    auto& [at, oldest] = order_.front();
    auto it = by_name_.find(oldest);
    if (it != by_name_.end() && it->second.at_ns == at) by_name_.erase(it);
    order_.pop_front();
  }
}

bool OwnWrites::Matches(const std::string& name, const std::optional<FileStat>& state,
                        std::int64_t now_ns) {
  Expire(now_ns);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return false;
  if (Same(it->second.state, state)) return true;
  by_name_.erase(it);
  return false;
}

void OwnWrites::Expire(std::int64_t now_ns) {
  while (!order_.empty() && now_ns - order_.front().first > kOwnWriteMemoryNanos) {
    auto it = by_name_.find(order_.front().second);
    // A name recorded again since has a later time: that entry stays.
    if (it != by_name_.end() && it->second.at_ns == order_.front().first) by_name_.erase(it);
    order_.pop_front();
  }
  // Entries recorded again leave stale (time, name) pairs behind; they go
  // with the ones above, so order_ stays within the names recorded in the
  // last kOwnWriteMemoryNanos.
  if (order_.empty() && by_name_.bucket_count() > 64) {
    by_name_ = {};  // clear() would keep the bucket array of the largest burst
    order_ = {};
  }
}

std::optional<std::int64_t> OwnWrites::NextExpiryNanos() const {
  if (order_.empty()) return std::nullopt;
  return order_.front().first + kOwnWriteMemoryNanos;
}

}  // namespace shoal
