// FolderRunner: one folder on this device at run time — its FolderEngine on
// the real disk, the inotify watcher that feeds it, and the timers that say
// when to scan and pull. No sync logic lives here (that is FolderEngine's):
// only "when", never "what".
//
//   watcher batch ─▶ ScanPaths (or Scan on overflow) ─▶ Kick
//   peer input (OnEngineInput) ─▶ Kick ─▶ Pull passes until nothing moves
//   racy files ─▶ rescan once kRacyWindow has passed
//   large files still being written ─▶ left out of watcher batches, and
//   rescanned once left alone for kSettleWindow (core/watch/settling.h)
//   periodic full rescan (default 1 h)
//   folder held (marker or root device wrong) ─▶ full rescan every
//   retry_interval until the engine's check passes; mass delete held ─▶
//   nothing until Resume
//
// Scans run one at a time. A full scan walks the folder and compares it
// with the index on a thread of its own, and a scan with much to read
// hashes on one, while the loop goes on (status answers, with progress;
// sessions keep flowing); its changes are committed one index transaction
// per loop turn. Pulls wait until it has committed, and scans asked for
// meanwhile are merged into one that runs next.
//
// The runner owns its engine; the daemon must disconnect every
// SessionExchange from it (destroy them) before destroying the runner.
//
// Thread: every method, callback and timer on the daemon's loop thread. A
// scan's thread touches only the runner's ScanJob and reads the folder
// through fs_. A full scan's thread runs a ScanStream through the job's own
// read-only index connection and hashes each plan, handing plans over in
// the job's mutex-guarded queue; the loop polls it every 5 ms and commits.
// A path scan's thread only hashes its plan (ScanPlan::Hash); the loop
// polls `finished` every 50 ms, joins it and commits. The destructor cancels
// and joins the thread before fs_ goes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/fs/posix_file_system.h"
#include "core/scan/file_hasher.h"
#include "core/scan/scanner.h"
#include "core/store/index.h"
#include "core/sync/folder_engine.h"
#include "core/watch/settling.h"
#include "core/watch/watcher.h"
#include "net/loop/event_loop.h"
#include "net/loop/loop_offload.h"
#include "net/loop/timer.h"

namespace shoal::cli {

// How long a large file being written must be left alone (by its mtime)
// before it is read: the racy window, so that it is read once and not
// again for having been modified just before the read (kRacyWindow); a
// copy shows up 2 s after it ends, and a writer pausing between chunks for
// less than that is not read half-done each time.
inline constexpr std::chrono::nanoseconds kSettleWindow = kRacyWindow;
// A large file in a watcher batch again less than this after its last read
// is taken as still being written: while events keep coming the watcher
// cuts a batch every max_delay (500 ms), so 1.5 times that. One edited
// again later is read at once.
inline constexpr std::chrono::milliseconds kRereadGap{750};

struct FolderRunnerOptions {
  std::chrono::milliseconds full_rescan_interval = std::chrono::hours(1);
  std::chrono::milliseconds retry_interval = std::chrono::seconds(10);
  bool watch = true;
  // Tests: runs on the thread that plans a full scan, before it walks.
  std::function<void()> on_plan_thread;
};

// What `status` shows about a folder.
struct FolderStatus {
  std::string state;  // "scanning", "syncing", "idle", "paused", "error"
  std::int64_t files = 0;
  std::int64_t directories = 0;
  std::int64_t bytes = 0;
  std::int64_t need = 0;        // names this device still has to apply
  std::int64_t need_bytes = 0;  // the size of the files among them
  std::int64_t conflicts_made = 0;
  std::string error;  // last failure, empty when fine
  // Names that could not be applied (the rest of the folder went on), with
  // why and when each is tried again.
  std::vector<PullFailure> failures;
  std::string watcher;  // "watching", "off", or why it fell back to rescans
  std::int64_t last_scan_unix = 0;
  // Large files being written, waiting to be read until they settle.
  std::int64_t settling = 0;
  // While a scan hashes on its thread: what it has read of what it must.
  bool scan_progress = false;
  std::int64_t scan_files_done = 0;
  std::int64_t scan_files_total = 0;
  std::int64_t scan_bytes_done = 0;
  std::int64_t scan_bytes_total = 0;
};

// Gets a scan's result once it has been committed.
using ScanDone = std::function<void(const Result<ScanResult>&)>;

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
  FileSystem& fs() { return *fs_; }  // the folder on disk
  const FolderRecord& record() const { return folder_; }
  // Something may be pullable or announceable: runs a pass soon.
  void Kick();
  // Scans all of the folder (`paths` empty) or those paths, now or after
  // the scan that is running; `done` (may be empty) gets the result.
  void Rescan(std::vector<std::string> paths, ScanDone done = {});
  FolderStatus Status();
  // The user confirms a held folder (`shoal folder resume`): see
  // FolderEngine::Resume; a full scan follows. Ok when nothing is held.
  Result<void> Resume();
  // Called after each pull pass and scan (the daemon publishes events).
  std::function<void(FolderRunner&)> on_change;
  // Pull passes run so far (a pass due during a scan waits for it; tests).
  std::int64_t pull_passes() const { return pull_passes_; }

 private:
  FolderRunner(net::EventLoop& loop, Index& index, Clock& clock, FolderRecord folder,
               FolderRunnerOptions options);
  // Comes back for failed names when the first is due, or after
  // retry_interval when `soon`, whichever is earlier.
  void ScheduleRetry(bool soon);
  void ForgetOwnWritesLater();
  void StartWatcher();
  bool NoteHold();
  void OnWatch(WatchBatch batch);
  void PullPass();
  struct ScanJob;
  struct WaitingScan {
    bool full = false;
    std::vector<std::string> paths;
    std::vector<ScanDone> done;
  };
  void StartScan(std::vector<std::string> paths, std::vector<ScanDone> done);
  // A full scan streams on a thread, reading a second connection.
  bool StreamOnThread();
  static void RunStream(ScanJob& job, Scanner& scanner);
  void StreamStep();
  bool WaitWhileWritesHeld(void (FolderRunner::*step)());
  static void AdaptBatch(std::size_t& batch, std::chrono::steady_clock::duration took);
  void StopStream(const Error& error);
  void EndStream(std::optional<Error> error = std::nullopt);
  static void StopThread(ScanJob& job);
  void HashPlan();
  void AbortScan(const Error& error);
  void PollScan();
  void CommitScanStep();
  void EndScan(const Result<ScanResult>& scanned, bool full, std::vector<ScanDone> done);
  void AfterScan(const Result<ScanResult>& scanned);
  void ScheduleRacy(const std::vector<std::string>& racy);
  // Rescans those of `paths` that need not wait to settle (Settling::Admit).
  void AdmitAndRescan(std::vector<std::string> paths);
  // Checks the files that wait to settle and rescans those that have.
  void CheckSettling();
  void ArmSettling(std::optional<std::int64_t> due_ns);
  Settling::StatFn Stat();  // a path's metadata in the folder, for settling_

  net::EventLoop& loop_;
  Index& index_;
  Clock& clock_;
  FolderRecord folder_;
  FolderRunnerOptions options_;
  DeviceKey local_key_;
  std::unique_ptr<PosixFileSystem> fs_;
  std::unique_ptr<net::LoopOffload> offload_;  // reads blocks for peers; outlives engine_
  std::unique_ptr<FolderEngine> engine_;
  std::unique_ptr<Watcher> watcher_;
  std::unique_ptr<net::Timer> pull_timer_;
  std::unique_ptr<net::Timer> retry_timer_;
  std::unique_ptr<net::Timer> rescan_timer_;
  std::unique_ptr<net::Timer> racy_timer_;
  std::unique_ptr<net::Timer> settle_timer_;
  std::unique_ptr<net::Timer> scan_poll_timer_;
  std::unique_ptr<net::Timer> hold_timer_;        // re-checks a held root
  std::unique_ptr<net::Timer> own_writes_timer_;  // forgets the puller's old writes
  bool own_writes_armed_ = false;
  std::unique_ptr<ScanJob> job_;        // the scan hashing on its thread
  std::optional<WaitingScan> waiting_;  // asked for while it runs
  bool pull_held_ = false;              // a pull was due during the scan
  std::int64_t pull_passes_ = 0;
  std::vector<std::string> racy_;
  Settling settling_{kSettleWindow, kRereadGap, kRereadLimitBytes};
  bool pull_scheduled_ = false;
  bool scanned_once_ = false;
  bool held_ = false;  // the engine was held at the last scan or pull
  FolderStatus status_;
  std::string scan_error_;  // the last scan's failure, cleared by a good scan
  std::string pull_error_;  // the last pull's failure, cleared by a good pull
};

}  // namespace shoal::cli
