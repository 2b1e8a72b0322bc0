#include "core/watch/settling.h"

#include <algorithm>

namespace shoal {

bool Settling::Large(const Result<FileStat>& st) const {
  return st && st->kind == EntryKind::kFile && st->size >= min_bytes_;
}

std::vector<std::string> Settling::Admit(std::vector<std::string> paths, std::int64_t now_ns,
                                         const StatFn& stat) {
  std::erase_if(last_read_,
                [&](const auto& entry) { return now_ns - entry.second >= reread_gap_ns_; });
  std::vector<std::string> now;
  now.reserve(paths.size());
  for (std::string& path : paths) {
    if (waiting_.contains(path)) continue;
    if (last_read_.contains(path) && Large(stat(path))) {
      waiting_.emplace(path, now_ns);  // written again straight after its last read
      last_read_.erase(path);
      continue;
    }
    last_read_[path] = now_ns;
    now.push_back(std::move(path));
  }
  return now;
}

std::vector<std::string> Settling::NotWaiting(std::vector<std::string> paths) const {
  std::erase_if(paths, [&](const std::string& path) { return waiting_.contains(path); });
  return paths;
}

void Settling::AddUnstable(const std::vector<std::string>& paths, std::int64_t now_ns) {
  for (const std::string& path : paths) waiting_.emplace(path, now_ns);
}

std::vector<std::string> Settling::TakeSettled(std::int64_t now_ns, const StatFn& stat,
                                               std::optional<std::int64_t>& next_ns) {
  std::vector<std::string> settled;
  next_ns.reset();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const auto& [path, since] = *it;
    auto st = stat(path);
    const bool still_large = Large(st);
    const std::int64_t waited_enough =
        since + kMaxWaitBase.count() + (still_large ? st->size * kMaxWaitPerByteNs : 0);
    if (!still_large || now_ns - st->mtime_ns >= settle_ns_ || st->mtime_ns - now_ns > settle_ns_ ||
        now_ns >= waited_enough) {
      settled.push_back(path);
      it = waiting_.erase(it);
      continue;
    }
    const std::int64_t due = std::min(st->mtime_ns + settle_ns_, waited_enough);
    next_ns = next_ns ? std::min(*next_ns, due) : due;
    ++it;
  }
  return settled;
}

}  // namespace shoal
