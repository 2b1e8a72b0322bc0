// Coalescer: gathers changed paths from the watcher into batches (DESIGN.md
// "Change detection"). A batch is due once no new path arrived for `quiet`,
// but at the latest `max_delay` after its first path, so a file written
// continuously still reaches the scanner. Pure logic on time points the
// caller passes in: no clock, no timer, no thread of its own.
//
// A taken batch is sorted and deduplicated, and leaves out a path when one
// of its ancestors is in the same batch (the scanner covers everything
// beneath a path it is given). A full-rescan request makes the batch a full
// rescan: its paths are dropped, since everything is scanned anyway.
//
// Thread: whoever owns it (the watcher's loop thread).
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace shoal {

struct WatchBatch {
  std::vector<std::string> paths;  // folder-relative, '/'-separated, sorted, unique
  bool full_rescan = false;
  std::string reason;  // why a full rescan is needed; empty otherwise
};

class Coalescer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Coalescer(std::chrono::milliseconds quiet, std::chrono::milliseconds max_delay)
      : quiet_(quiet), max_delay_(max_delay) {}

  void Add(std::string path, TimePoint now);
  // Asks for a full rescan; the first reason of a batch is kept.
  void AddFullRescan(std::string reason, TimePoint now);

  bool pending() const { return pending_; }
  // Whether the pending batch already covers `path` (it, or a full rescan).
  bool Holds(const std::string& path) const { return full_rescan_ || paths_.contains(path); }
  // When the pending batch should be taken: min(last + quiet, first + max_delay).
  // Only meaningful while pending().
  TimePoint Due() const;
  // The pending batch (empty if none); afterwards nothing is pending.
  WatchBatch Take();

 private:
  void Touch(TimePoint now);

  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds max_delay_;
  std::set<std::string> paths_;
  bool full_rescan_ = false;
  std::string reason_;
  bool pending_ = false;
  TimePoint first_{};
  TimePoint last_{};
};

}  // namespace shoal
