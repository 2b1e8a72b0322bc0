// SyncCountingVfs: while it lives, SQLite's default VFS is one that passes
// every call to the VFS that was the default before and counts the syncs
// made on each file: how a test sees whether a commit waited for the disk.
// Only connections opened while it lives go through it, and they must be
// closed before it ends. One at a time.
#pragma once

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <string>

namespace shoal::testing {

class SyncCountingVfs {
 public:
  SyncCountingVfs();
  ~SyncCountingVfs();
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

  // Syncs made so far on the file at `path` (a database, or its "-wal").
  int Syncs(const std::string& path) const;
  // Counted on `path` by the VFS: called from SQLite's threads.
  void Count(const std::string& path);

 private:
  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, int> syncs_;
};

}  // namespace shoal::testing
