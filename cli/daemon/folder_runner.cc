#include "cli/daemon/folder_runner.h"

#include <algorithm>
#include <chrono>

#include "core/base/log.h"

namespace shoal::cli {
namespace {

constexpr std::string_view kTempPrefix = ".shoal.tmp.";

// The puller's temp files come and go under our feet; they are never local
// changes (their final rename is, and the scanner sees it match the index).
bool IsOwnTempFile(const std::string& name) {
  std::size_t slash = name.rfind('/');
  std::string_view base = slash == std::string::npos ? std::string_view(name)
                                                     : std::string_view(name).substr(slash + 1);
  return base.substr(0, kTempPrefix.size()) == kTempPrefix;
}

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<FolderRunner>> FolderRunner::Start(net::EventLoop& loop, Index& index,
                                                          Clock& clock, const FolderRecord& folder,
                                                          const FolderEngineConfig& base,
                                                          FolderRunnerOptions options) {
  std::unique_ptr<FolderRunner> runner(new FolderRunner(loop, index, folder, options));
  auto fs = PosixFileSystem::Open(folder.path);
  if (!fs) {
    return Fail(fs.error().code, "cannot open folder " + folder.id + " at " + folder.path + ": " +
                                     fs.error().message);
  }
  runner->fs_ = std::move(*fs);
  FolderEngineConfig config = base;
  config.folder_key = folder.key;
  config.folder_id = folder.id;
  config.hash_seed = folder.hash_seed;
  config.index_id = folder.index_id;
  runner->local_key_ = config.local_device_key;
  runner->engine_ = std::make_unique<FolderEngine>(*runner->fs_, index, clock, config);
  for (auto* timer : {&runner->pull_timer_, &runner->retry_timer_, &runner->rescan_timer_,
                      &runner->racy_timer_}) {
    auto created = net::Timer::Create(loop);
    if (!created) return created.error();
    *timer = std::move(*created);
  }
  runner->status_.watcher = "off";
  if (options.watch) {
    WatcherOptions watch;
    watch.ignore = IsOwnTempFile;
    FolderRunner* self = runner.get();
    runner->watcher_ = std::make_unique<Watcher>();
    auto watching =
        runner->watcher_->Start(loop.get(), folder.path, watch,
                                [self](WatchBatch batch) { self->OnWatch(std::move(batch)); });
    if (watching) {
      runner->status_.watcher = "watching";
    } else {
      runner->status_.watcher =
          "not watching (" + watching.error().message + "); changes are found by periodic rescans";
      SHOAL_LOG(kWarning) << "folder " << folder.id << ": " << runner->status_.watcher;
    }
  }
  // The first full scan, then one every full_rescan_interval.
  FolderRunner* self = runner.get();
  std::function<void()> periodic = [self]() {
    (void)self->Rescan({});
    self->rescan_timer_->Start(self->options_.full_rescan_interval,
                               [self]() { (void)self->Rescan({}); });
  };
  runner->rescan_timer_->Start(std::chrono::milliseconds(0), periodic);
  return runner;
}

FolderRunner::~FolderRunner() = default;

void FolderRunner::Kick() {
  if (pull_scheduled_) return;
  pull_scheduled_ = true;
  pull_timer_->Start(std::chrono::milliseconds(0), [this]() {
    pull_scheduled_ = false;
    PullPass();
  });
}

Result<ScanResult> FolderRunner::Rescan(const std::vector<std::string>& paths) {
  scanning_ = true;
  Result<ScanResult> scanned = paths.empty() ? engine_->Scan() : engine_->ScanPaths(paths);
  scanning_ = false;
  AfterScan(scanned);
  if (paths.empty() && options_.full_rescan_interval.count() > 0) {
    rescan_timer_->Start(options_.full_rescan_interval, [this]() { (void)Rescan({}); });
  }
  return scanned;
}

void FolderRunner::AfterScan(const Result<ScanResult>& scanned) {
  if (!scanned) {
    scan_error_ = "scan failed: " + scanned.error().message;
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << scan_error_;
  } else {
    scan_error_.clear();
    status_.last_scan_unix = NowUnix();
    if (!scanned->racy.empty()) ScheduleRacy(scanned->racy);
  }
  // A pull is due after the first scan (work left from before a restart)
  // and after local changes; a scan that found nothing new changes no need.
  const bool changed = scanned && scanned->changed + scanned->deleted > 0;
  if (!scanned_once_ || changed) Kick();
  scanned_once_ = true;
  if (on_change) on_change(*this);
}

void FolderRunner::ScheduleRacy(const std::vector<std::string>& racy) {
  racy_.insert(racy_.end(), racy.begin(), racy.end());
  racy_timer_->Start(std::chrono::duration_cast<std::chrono::milliseconds>(kRacyWindow) +
                         std::chrono::milliseconds(100),
                     [this]() {
                       std::vector<std::string> paths;
                       paths.swap(racy_);
                       std::sort(paths.begin(), paths.end());
                       paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
                       (void)Rescan(paths);
                     });
}

void FolderRunner::OnWatch(WatchBatch batch) {
  if (batch.full_rescan) {
    status_.watcher = batch.reason;
    (void)Rescan({});
    return;
  }
  if (!batch.paths.empty()) (void)Rescan(batch.paths);
}

void FolderRunner::PullPass() {
  Result<shoal::PullPass> pass = engine_->Pull();
  if (!pass) {
    pull_error_ = "pull failed: " + pass.error().message;
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << pull_error_;
    retry_timer_->Start(options_.retry_interval, [this]() { Kick(); });
    if (on_change) on_change(*this);
    return;
  }
  pull_error_.clear();
  status_.conflicts_made += pass->conflicts;
  for (const std::string& failure : pass->failed) {
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << failure;
  }
  if (!pass->rescan.empty()) (void)Rescan(pass->rescan);
  // Names changed under the puller are pulled again once scanned; if the
  // scan saw no change, the retry timer (not an immediate pass) comes back.
  if (!pass->failed.empty() || !pass->rescan.empty()) {
    retry_timer_->Start(options_.retry_interval, [this]() { Kick(); });
  }
  if (pass->applied > 0) Kick();  // a batch landed: the next may be ready
  if (on_change) on_change(*this);
}

FolderStatus FolderRunner::Status() {
  FolderStatus status = status_;
  status.error = !scan_error_.empty() ? scan_error_ : pull_error_;
  auto need = engine_->NeedCount();
  status.need = need;
  if (auto totals = index_.CountLive(folder_.key, local_key_)) {
    status.files = totals->files;
    status.directories = totals->directories;
    status.bytes = totals->bytes;
  }
  if (watcher_ && watcher_->degraded()) status.watcher = watcher_->degraded_reason();
  if (scanning_) {
    status.state = "scanning";
  } else if (!status.error.empty()) {
    status.state = "error";
  } else if (!engine_->Idle()) {
    status.state = "syncing";
  } else {
    status.state = "idle";
  }
  return status;
}

}  // namespace shoal::cli
