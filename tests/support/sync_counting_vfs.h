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
#include <thread>
#include <utility>

namespace shoal::testing {

class SyncCountingVfs {
 public:
  SyncCountingVfs();
  ~SyncCountingVfs();
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

  // Syncs made so far on the file at `path` (a database, or its "-wal"),
  // by any thread, or by the calling thread only.
  int Syncs(const std::string& path) const;
  int SyncsOnThisThread(const std::string& path) const;
  // From now on a sync of `path` fails with SQLITE_IOERR_FSYNC (a disk
  // that went away); "" makes every sync succeed again.
  void FailSyncs(const std::string& path);
  // Counts a sync of `path`; false when it is to fail. Called by the VFS,
  // from whichever thread SQLite runs on.
  bool Count(const std::string& path);

 private:
  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, int> syncs_;
  std::map<std::pair<std::string, std::thread::id>, int> syncs_by_thread_;
  std::string failing_;
};

}  // namespace shoal::testing
