// FolderRunner: one folder on this device at run time — its FolderEngine on
// the real disk, the inotify watcher that feeds it, and the timers that say
// when to scan and pull. No sync logic lives here (that is FolderEngine's):
// only "when", never "what".
//
//   watcher batch ─▶ ScanPaths (or Scan on overflow) ─▶ Kick
//   peer input (OnEngineInput) ─▶ Kick ─▶ Pull passes until nothing moves
//   racy files ─▶ rescan once kRacyWindow has passed
//   periodic full rescan (default 1 h)
//
// Everything runs on the daemon's loop thread. The runner owns its engine;
// the daemon must disconnect every SessionExchange from it (destroy them)
// before destroying the runner.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/fs/posix_file_system.h"
#include "core/store/index.h"
#include "core/sync/folder_engine.h"
#include "core/watch/watcher.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

namespace shoal::cli {

struct FolderRunnerOptions {
  std::chrono::milliseconds full_rescan_interval = std::chrono::hours(1);
  std::chrono::milliseconds retry_interval = std::chrono::seconds(10);
  bool watch = true;
};

// What `status` shows about a folder.
struct FolderStatus {
  std::string state;  // "scanning", "syncing", "idle", "error"
  std::int64_t files = 0;
  std::int64_t directories = 0;
  std::int64_t bytes = 0;
  std::int64_t need = 0;  // names this device still has to apply
  std::int64_t conflicts_made = 0;
  std::string error;    // last failure, empty when fine
  std::string watcher;  // "watching", "off", or why it fell back to rescans
  std::int64_t last_scan_unix = 0;
};

class FolderRunner {
 public:
  static Result<std::unique_ptr<FolderRunner>> Start(net::EventLoop& loop, Index& index,
                                                     Clock& clock, const FolderRecord& folder,
                                                     const FolderEngineConfig& base,
                                                     FolderRunnerOptions options);
  ~FolderRunner();
  FolderRunner(const FolderRunner&) = delete;
  FolderRunner& operator=(const FolderRunner&) = delete;

  FolderEngine& engine() { return *engine_; }
  const FolderRecord& record() const { return folder_; }
  // Something may be pullable or announceable: runs a pass soon.
  void Kick();
  // Scans now (all of the folder when `paths` is empty) and kicks.
  Result<ScanResult> Rescan(const std::vector<std::string>& paths);
  FolderStatus Status();
  // Called after each pull pass and scan (the daemon publishes events).
  std::function<void(FolderRunner&)> on_change;

 private:
  FolderRunner(net::EventLoop& loop, Index& index, FolderRecord folder, FolderRunnerOptions options)
      : loop_(loop), index_(index), folder_(std::move(folder)), options_(options) {}
  void OnWatch(WatchBatch batch);
  void PullPass();
  void AfterScan(const Result<ScanResult>& scanned);
  void ScheduleRacy(const std::vector<std::string>& racy);

  net::EventLoop& loop_;
  Index& index_;
  FolderRecord folder_;
  FolderRunnerOptions options_;
  std::int64_t local_key_ = 0;
  std::unique_ptr<PosixFileSystem> fs_;
  std::unique_ptr<FolderEngine> engine_;
  std::unique_ptr<Watcher> watcher_;
  std::unique_ptr<net::Timer> pull_timer_;
  std::unique_ptr<net::Timer> retry_timer_;
  std::unique_ptr<net::Timer> rescan_timer_;
  std::unique_ptr<net::Timer> racy_timer_;
  std::vector<std::string> racy_;
  bool pull_scheduled_ = false;
  bool scanning_ = false;
  bool scanned_once_ = false;
  FolderStatus status_;
  std::string scan_error_;  // the last scan's failure, cleared by a good scan
  std::string pull_error_;  // the last pull's failure, cleared by a good pull
};

}  // namespace shoal::cli
