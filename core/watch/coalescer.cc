#include "core/watch/coalescer.h"

#include <algorithm>
#include <set>

namespace shoal {
namespace {

// True if a proper ancestor directory of `path` ("a" for "a/b/c") is in `set`:
// one lookup per level, so a batch of n paths costs O(n * depth * log n).
bool HasAncestorIn(const std::string& path, const std::set<std::string>& set) {
  for (std::size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    if (set.contains(path.substr(0, slash))) return true;
  }
  return false;
}

}  // namespace

void Coalescer::Touch(TimePoint now) {
  if (!pending_) {
    pending_ = true;
    first_ = now;
  }
  last_ = now;
}

void Coalescer::Add(std::string path, TimePoint now) {
  Touch(now);
  if (!full_rescan_) paths_.insert(std::move(path));
}

void Coalescer::AddFullRescan(std::string reason, TimePoint now) {
  Touch(now);
  if (!full_rescan_) reason_ = std::move(reason);
  full_rescan_ = true;
  paths_.clear();
}

Coalescer::TimePoint Coalescer::Due() const {
  return std::min(last_ + quiet_, first_ + max_delay_);
}

WatchBatch Coalescer::Take() {
  WatchBatch batch;
  batch.full_rescan = full_rescan_;
  batch.reason = std::move(reason_);
  for (const std::string& path : paths_) {
    if (!HasAncestorIn(path, paths_)) batch.paths.push_back(path);
  }
  paths_.clear();
  full_rescan_ = false;
  reason_.clear();
  pending_ = false;
  return batch;
}

}  // namespace shoal
