// OwnWrites: what the puller just wrote, so that the watcher's events about
// it are recognised and not scanned as local changes (DESIGN.md "Change
// detection"). Each name the puller committed is remembered with the disk's
// state right after (lstat: kind, size, mtime, mode, inode; or absent), for
// kOwnWriteMemory. An event for that name is the daemon's own when the disk
// still shows exactly that state; anything else (a user's write, a rename
// over it, a chmod) differs and is scanned as usual, and the name is
// forgotten so that later events are scanned too. A directory matches by
// kind, mode and inode: its mtime moves with every child the puller adds.
//
// A user's write that left size, mtime, mode and inode all as the puller
// left them is the blind spot every metadata scanner shares; the pulled
// mtime is the peer's, so a write now would have to land on that very
// tick. The hourly full rescan reads everything anyway.
//
// Pure bookkeeping, no I/O: the caller passes the states. One thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/fs/file_system.h"

namespace shoal {

inline constexpr std::int64_t kOwnWriteMemoryNanos = 30'000'000'000;  // 30 s
inline constexpr std::size_t kOwnWriteCap = 200'000;                  // names remembered

class OwnWrites {
 public:
  // The puller left `name` in `state` (nullopt: nothing there) at `now_ns`.
  void Record(const std::string& name, std::optional<FileStat> state, std::int64_t now_ns);
  // True when `name` was recorded and `state` is still what was recorded.
  // A name that differs is forgotten.
  bool Matches(const std::string& name, const std::optional<FileStat>& state, std::int64_t now_ns);
  // Forgets what was recorded more than kOwnWriteMemoryNanos before
  // `now_ns`, and gives the memory back once nothing is left. Record and
  // Matches do it too; after the last write of a burst (100,000 files
  // pulled left 60,000 names, 12 MB) only a call from a timer does.
  void Expire(std::int64_t now_ns);
  // When the oldest name is due to go (nullopt: none kept).
  std::optional<std::int64_t> NextExpiryNanos() const;
  std::size_t size() const { return by_name_.size(); }

 private:
  struct Entry {
    std::optional<FileStat> state;
    std::int64_t at_ns = 0;
  };

  std::unordered_map<std::string, Entry> by_name_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // (recorded at, name), oldest first
};

}  // namespace shoal
