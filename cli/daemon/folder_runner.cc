#include "cli/daemon/folder_runner.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/base/log.h"
#include "core/base/thread_priority.h"
#include "core/ignore/ignore_matcher.h"
#include "core/scan/scan_stream.h"

namespace shoal::cli {
namespace {

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Below this much to read, a scan hashes on the loop thread: a thread of its
// own would only add latency to the small scans the watcher asks for.
constexpr std::int64_t kInlineHashBytes = std::int64_t{8} << 20;
constexpr std::int64_t kInlineHashFiles = 256;
constexpr std::chrono::milliseconds kScanPollInterval{50};
// A streamed scan is polled more often: each plan waits for the poll, and a
// rescan of a small folder is one or two plans (its answer, and what peers
// see, would otherwise come up to 50 ms later).
constexpr std::chrono::milliseconds kStreamPollInterval{5};
// "Next loop turn": libuv runs a timer re-armed with 0 ms from a timer
// callback again in the same pass, before any I/O; 1 ms lets the loop poll
// sockets (control requests, sessions) between steps.
constexpr std::chrono::milliseconds kNextTurn{1};
// The shortest wait between two sweeps of the puller's remembered writes.
constexpr std::chrono::milliseconds kOwnWritesSweep{5000};
// A scan that saw at least this many entries gives freed memory back to the
// system when it ends (malloc_trim): its plan held every path it walked.
constexpr std::int64_t kTrimAfterEntries = 20'000;

// The plans a full scan's thread may have ready ahead of the loop's commits.
constexpr std::size_t kReadyPlans = 2;
// A streamed scan's commits: entries per transaction, adapted to take about
// kCommitStepTarget each (AdaptBatch).
constexpr std::chrono::milliseconds kCommitStepTarget{20};
constexpr std::size_t kMinCommitBatch = 32;
constexpr std::size_t kMaxCommitBatch = 1000;

}  // namespace

struct FolderRunner::ScanJob {
  ScanJob(bool f, std::vector<ScanDone> d) : full(f), done(std::move(d)) {}
  bool full;
  std::vector<ScanDone> done;
  ScanProgress progress;
  std::atomic<bool> finished{false};  // the thread has ended
  std::thread thread;
  std::optional<ScanPlan> plan;  // a path scan's one plan

  // A full scan streams (core/scan/scan_stream.h): its thread plans and
  // hashes through its own connection; the loop commits the plans in order.
  bool streaming = false;
  std::unique_ptr<Index> reader;
  std::mutex mutex;
  std::condition_variable space;       // the thread waits while `ready` is full
  std::deque<ScanPlan> ready;          // guarded by mutex
  Error stream_error;                  // written by the thread before `finished`
  bool stream_failed = false;          // likewise
  std::optional<ScanPlan> committing;  // loop side from here on
  bool brake_checked = false;
  std::size_t batch = 250;      // entries in the next transaction (AdaptBatch)
  ScanResult total;             // what the plans committed so far found
  std::int64_t live_files = 0;  // when the scan started: the brake's measure
  std::chrono::steady_clock::time_point started;
};

FolderRunner::FolderRunner(net::EventLoop& loop, Index& index, Clock& clock, FolderRecord folder,
                           FolderRunnerOptions options)
    : loop_(loop), index_(index), clock_(clock), folder_(std::move(folder)), options_(options) {}

Result<std::unique_ptr<FolderRunner>> FolderRunner::Start(net::EventLoop& loop, Index& index,
                                                          Clock& clock, const FolderRecord& folder,
                                                          const FolderEngineConfig& base,
                                                          FolderRunnerOptions options) {
  std::unique_ptr<FolderRunner> runner(new FolderRunner(loop, index, clock, folder, options));
  auto fs = PosixFileSystem::Open(folder.path);
  if (fs) {
    runner->fs_ = std::move(*fs);
  } else {
    // Its drive not mounted, say: the folder runs held (its engine's root
    // check fails) and starts syncing once the root is there.
    SHOAL_LOG(kWarning) << "folder " << folder.id << ": cannot open " << folder.path << ": "
                        << fs.error().message;
    runner->fs_ = PosixFileSystem::OpenLater(folder.path);
  }
  FolderEngineConfig config = base;
  config.folder_key = folder.key;
  config.folder_id = folder.id;
  config.hash_seed = folder.hash_seed;
  config.index_id = folder.index_id;
  config.root_device = folder.root_device;
  runner->local_key_ = config.local_device_key;
  runner->engine_ = std::make_unique<FolderEngine>(*runner->fs_, index, clock, config);
  runner->offload_ = std::make_unique<net::LoopOffload>(loop);
  runner->engine_->set_offload(runner->offload_.get(), [self = runner.get()] { self->Kick(); });
  for (auto* timer : {&runner->pull_timer_, &runner->retry_timer_, &runner->rescan_timer_,
                      &runner->racy_timer_, &runner->settle_timer_, &runner->scan_poll_timer_,
                      &runner->hold_timer_, &runner->own_writes_timer_}) {
    auto created = net::Timer::Create(loop);
    if (!created) return created.error();
    *timer = std::move(*created);
  }
  runner->status_.watcher = "off";
  if (options.watch) runner->StartWatcher();
  // The first full scan, then one every full_rescan_interval.
  FolderRunner* self = runner.get();
  runner->rescan_timer_->Start(std::chrono::milliseconds(0), [self]() { self->Rescan({}); });
  return runner;
}

void FolderRunner::StartWatcher() {
  WatcherOptions watch;
  // The puller's temp files come and go under our feet and are never local
  // changes (their final rename is); .shoal/ holds the marker and is Shoal's.
  watch.ignore = [](const std::string& name) { return IgnoreMatcher::IsBuiltinIgnored(name); };
  watch.own_write = [this](const std::string& name) { return engine_->IsOwnWrite(name); };
  watcher_ = std::make_unique<Watcher>();  // a previous one closes its handles
  auto watching = watcher_->Start(loop_.get(), folder_.path, watch,
                                  [this](WatchBatch batch) { OnWatch(std::move(batch)); });
  if (watching) {
    status_.watcher = "watching";
  } else {
    status_.watcher =
        "not watching (" + watching.error().message + "); changes are found by periodic rescans";
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << status_.watcher;
  }
}

// A held folder (core/sync/folder_guard.h) scans nothing and pulls nothing.
// Held because of its root, it is checked again every retry_interval, so a
// drive mounted later is noticed within that time; a mass delete waits for
// Resume. Returns whether the engine is held.
bool FolderRunner::NoteHold() {
  const FolderHold hold = engine_->hold();
  if (hold == FolderHold::kNone) return false;
  if (!held_) {
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << engine_->hold_message();
  }
  held_ = true;
  if (hold == FolderHold::kRootChanged) {
    hold_timer_->Start(options_.retry_interval, [this]() { Rescan({}); });
  }
  return true;
}

Result<void> FolderRunner::Resume() {
  if (engine_->hold() == FolderHold::kNone) return {};
  if (job_) return Fail(ErrorCode::kBusy, "a scan is running; try again when it has finished");
  if (auto ok = engine_->Resume(); !ok) return ok;
  SHOAL_LOG(kInfo) << "folder " << folder_.id << ": resumed by the user";
  Rescan({});
  if (on_change) on_change(*this);
  return {};
}

FolderRunner::~FolderRunner() {
  if (job_ && job_->thread.joinable()) {  // it reads through fs_: stop it before fs_ goes
    StopThread(*job_);
  }
}

void FolderRunner::StopThread(ScanJob& job) {
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.progress.cancel.store(true);
  }
  job.space.notify_all();
  job.thread.join();
}

void FolderRunner::Kick() {
  if (pull_scheduled_) return;
  pull_scheduled_ = true;
  pull_timer_->Start(kNextTurn, [this]() {
    pull_scheduled_ = false;
    PullPass();
  });
}

void FolderRunner::Rescan(std::vector<std::string> paths, ScanDone done) {
  std::vector<ScanDone> dones;
  if (done) dones.push_back(std::move(done));
  if (!job_) return StartScan(std::move(paths), std::move(dones));
  if (!waiting_) waiting_.emplace();
  WaitingScan& w = *waiting_;
  w.full = w.full || paths.empty();
  w.paths.insert(w.paths.end(), paths.begin(), paths.end());
  for (ScanDone& d : dones) w.done.push_back(std::move(d));
}

void FolderRunner::StartScan(std::vector<std::string> paths, std::vector<ScanDone> done) {
  const bool full = paths.empty();
  job_ = std::make_unique<ScanJob>(full, std::move(done));
  if (full && StreamOnThread()) return;
  Result<ScanPlan> plan = engine_->PlanScan(paths);
  if (!plan) return AbortScan(plan.error());
  job_->plan.emplace(std::move(*plan));
  HashPlan();
}

// A full scan of a million files walks for seconds and its plan would hold
// every entry: it streams instead, on a thread with a second connection to
// the index, while the loop answers and commits. An in-memory index (tests)
// has no second connection, so such a scan plans on the loop.
bool FolderRunner::StreamOnThread() {
  auto reader = Index::OpenReader(index_.db().path());
  if (!reader) return false;
  auto live = index_.CountLive(folder_.key, local_key_);
  if (!live) return false;
  ScanJob* job = job_.get();
  job->reader = std::make_unique<Index>(std::move(*reader));
  auto scanner = engine_->PrepareScan(*job->reader, &job->progress.cancel);
  if (!scanner) {
    AbortScan(scanner.error());
    return true;
  }
  job->streaming = true;
  job->live_files = live->files;
  job->started = std::chrono::steady_clock::now();
  job->thread =
      std::thread([job, scanner = std::move(*scanner), hook = options_.on_plan_thread]() mutable {
        RunAtBackgroundPriority();  // the loop answers first (thread_priority.h)
        if (hook) hook();
        RunStream(*job, scanner);
        job->finished.store(true);
      });
  if (on_change) on_change(*this);
  PollScan();
  return true;
}

// On the scan's thread: plan and hash each part, and hand it to the loop.
void FolderRunner::RunStream(ScanJob& job, Scanner& scanner) {
  auto fail = [&job](const Error& error) {
    job.stream_error = error;
    job.stream_failed = true;
  };
  auto stream = scanner.Stream();
  if (!stream) return fail(stream.error());
  for (;;) {
    auto next = stream->Next();
    if (!next) return fail(next.error());
    if (!*next) return;
    ScanPlan& plan = **next;
    job.progress.files_total.fetch_add(plan.files_to_hash());
    job.progress.bytes_total.fetch_add(plan.bytes_to_hash());
    plan.Hash(&job.progress);
    std::unique_lock<std::mutex> lock(job.mutex);
    job.space.wait(lock,
                   [&job] { return job.ready.size() < kReadyPlans || job.progress.cancel.load(); });
    if (job.progress.cancel.load()) return fail(Error{ErrorCode::kCancelled, "scan cancelled"});
    job.ready.push_back(std::move(plan));
  }
}

// Sizes the next transaction of a streamed scan so that a step takes about
// kCommitStepTarget: the loop answers between steps, and a step's time
// (rows, WAL writes, an occasional checkpoint) varies with the disk.
void FolderRunner::AdaptBatch(std::size_t& batch, std::chrono::steady_clock::duration took) {
  if (took > kCommitStepTarget * 3 / 2) {
    batch = std::max(batch / 2, kMinCommitBatch);
  } else if (took < kCommitStepTarget / 2) {
    batch = std::min(batch * 2, kMaxCommitBatch);
  }
}

// While a checkpoint copies the whole log (IndexCheckpointer), a scan's
// commit step waits a turn; true when it does.
bool FolderRunner::WaitWhileWritesHeld(void (FolderRunner::*step)()) {
  if (!index_.db().writes_held()) return false;
  scan_poll_timer_->Start(kNextTurn, [this, step]() { (this->*step)(); });
  return true;
}

// One index transaction of a streamed scan per loop turn; waits (polling)
// for the thread when it has nothing ready.
void FolderRunner::StreamStep() {
  ScanJob& job = *job_;
  if (WaitWhileWritesHeld(&FolderRunner::StreamStep)) return;
  if (!job.committing) {
    const bool ended = job.finished.load();  // before looking: it pushes, then ends
    {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (!job.ready.empty()) {
        job.committing.emplace(std::move(job.ready.front()));
        job.ready.pop_front();
      }
    }
    if (!job.committing) return ended ? EndStream() : PollScan();
    job.space.notify_one();  // room for the thread's next plan
    job.brake_checked = false;
  }
  if (!job.brake_checked && job.committing->files_to_delete() > 0) {
    // The last plan holds all of the scan's deletions.
    if (auto ok = engine_->CheckPlan(*job.committing, job.live_files); !ok) {
      return StopStream(ok.error());
    }
  }
  job.brake_checked = true;
  const auto began = std::chrono::steady_clock::now();
  auto step = engine_->CommitScanStep(*job.committing, job.batch);
  AdaptBatch(job.batch, std::chrono::steady_clock::now() - began);
  if (!step) return StopStream(step.error());
  if (*step) {
    MergeScanResult(job.total, std::move(**step));
    job.committing.reset();
  }
  scan_poll_timer_->Start(kNextTurn, [this]() { StreamStep(); });
}

void FolderRunner::StopStream(const Error& error) {
  StopThread(*job_);
  EndStream(error);
}

void FolderRunner::EndStream(std::optional<Error> error) {
  if (job_->thread.joinable()) job_->thread.join();
  if (!error && job_->stream_failed) error = job_->stream_error;
  ScanResult total = std::move(job_->total);
  total.elapsed = std::chrono::steady_clock::now() - job_->started;
  const bool changed = total.changed + total.deleted > 0;
  // What was committed is announced even when the rest failed.
  Result<ScanResult> announced = engine_->EndStreamedScan(std::move(total));
  if (!error && !announced) error = announced.error();
  if (error && changed) {
    SHOAL_LOG(kInfo) << "folder " << folder_.id << ": a scan stopped part way: " << error->message;
  }
  std::unique_ptr<ScanJob> job = std::move(job_);
  const Result<ScanResult> scanned = error ? Result<ScanResult>(*error) : std::move(announced);
  const bool big =
      scanned && scanned->files + scanned->directories + scanned->symlinks >= kTrimAfterEntries;
  EndScan(scanned, job->full, std::move(job->done));
  job.reset();
  if (big) malloc_trim(0);
}

void FolderRunner::HashPlan() {
  ScanJob* job = job_.get();
  ScanPlan& plan = *job->plan;
  job->progress.files_total = plan.files_to_hash();
  job->progress.bytes_total = plan.bytes_to_hash();
  if (plan.bytes_to_hash() < kInlineHashBytes && plan.files_to_hash() < kInlineHashFiles) {
    plan.Hash(nullptr);
    job->progress.files_done = plan.files_to_hash();
    job->progress.bytes_done = plan.bytes_to_hash();
    job->finished.store(true);
    return CommitScanStep();
  }
  SHOAL_LOG(kInfo) << "folder " << folder_.id << ": hashing " << plan.files_to_hash() << " files ("
                   << plan.bytes_to_hash() << " bytes)";
  job->thread = std::thread([job] {
    RunAtBackgroundPriority();
    job->plan->Hash(&job->progress);
    job->finished.store(true);
  });
  if (on_change) on_change(*this);
  PollScan();
}

void FolderRunner::AbortScan(const Error& error) {
  std::unique_ptr<ScanJob> job = std::move(job_);
  EndScan(error, job->full, std::move(job->done));
}

// Polls only while a scan's thread runs: a streamed scan's plans as they
// come, a path scan's hashing until it ends.
void FolderRunner::PollScan() {
  const auto interval = job_->streaming ? kStreamPollInterval : kScanPollInterval;
  scan_poll_timer_->Start(interval, [this]() {
    if (job_->streaming) return StreamStep();
    if (!job_->finished.load()) return PollScan();
    job_->thread.join();
    CommitScanStep();
  });
}

// One index transaction per loop turn, so that requests and sessions are
// served between them; a scan with few changes commits in one go.
void FolderRunner::CommitScanStep() {
  if (WaitWhileWritesHeld(&FolderRunner::CommitScanStep)) return;
  Result<std::optional<ScanResult>> step = engine_->FinishScanStep(*job_->plan);
  if (step && !*step) {
    scan_poll_timer_->Start(kNextTurn, [this]() { CommitScanStep(); });
    return;
  }
  std::unique_ptr<ScanJob> job = std::move(job_);
  Result<ScanResult> scanned = step ? Result<ScanResult>(std::move(**step)) : step.error();
  const bool big =
      scanned && scanned->files + scanned->directories + scanned->symlinks >= kTrimAfterEntries;
  EndScan(scanned, job->full, std::move(job->done));
  job.reset();  // the plan: the walk and the indexed entries of every path it covered
  // glibc keeps what a big plan freed in its arenas; give it back, so that
  // an idle daemon's RSS is what it holds rather than its last full scan.
  if (big) malloc_trim(0);
}

void FolderRunner::EndScan(const Result<ScanResult>& scanned, bool full,
                           std::vector<ScanDone> done) {
  AfterScan(scanned);
  if (full && options_.full_rescan_interval.count() > 0) {
    rescan_timer_->Start(options_.full_rescan_interval, [this]() { Rescan({}); });
  }
  if (pull_held_) {
    pull_held_ = false;
    Kick();
  }
  for (ScanDone& d : done) {
    if (d) d(scanned);
  }
  if (waiting_ && !job_) {
    WaitingScan next = std::move(*waiting_);
    waiting_.reset();
    if (next.full) next.paths.clear();
    StartScan(std::move(next.paths), std::move(next.done));
  }
}

void FolderRunner::AfterScan(const Result<ScanResult>& scanned) {
  if (!scanned && NoteHold()) {
    if (on_change) on_change(*this);
    return;
  }
  if (scanned && held_) {  // the hold lifted: the root may be another directory now
    held_ = false;
    hold_timer_->Stop();
    scanned_once_ = false;  // pull what peers sent meanwhile
    SHOAL_LOG(kInfo) << "folder " << folder_.id << ": root checks out again; resuming";
    if (options_.watch) StartWatcher();
  }
  if (!scanned) {
    scan_error_ = "scan failed: " + scanned.error().message;
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << scan_error_;
  } else {
    scan_error_.clear();
    status_.last_scan_unix = NowUnix();
    if (!scanned->racy.empty()) ScheduleRacy(scanned->racy);
    if (!scanned->unstable.empty()) {
      settling_.AddUnstable(scanned->unstable, clock_.NowUnixNanos());
      ArmSettling(clock_.NowUnixNanos());
    }
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
                       // A racy file that waits to settle is read then instead;
                       // this re-read is no sign of writing (not recorded).
                       paths = settling_.NotWaiting(std::move(paths));
                       if (!paths.empty()) Rescan(std::move(paths));
                     });
}

void FolderRunner::OnWatch(WatchBatch batch) {
  if (batch.full_rescan) {
    status_.watcher = batch.reason;
    Rescan({});
    return;
  }
  AdmitAndRescan(std::move(batch.paths));
}

void FolderRunner::AdmitAndRescan(std::vector<std::string> paths) {
  const std::size_t waited = settling_.waiting();
  std::vector<std::string> now = settling_.Admit(std::move(paths), clock_.NowUnixNanos(), Stat());
  if (settling_.waiting() > waited) ArmSettling(clock_.NowUnixNanos());
  if (!now.empty()) Rescan(std::move(now));
}

void FolderRunner::CheckSettling() {
  std::optional<std::int64_t> next;
  std::vector<std::string> settled = settling_.TakeSettled(clock_.NowUnixNanos(), Stat(), next);
  ArmSettling(next);
  if (!settled.empty()) Rescan(std::move(settled));
}

void FolderRunner::ArmSettling(std::optional<std::int64_t> due_ns) {
  if (!due_ns) {
    settle_timer_->Stop();
    return;
  }
  // Checked no more often than every 50 ms: each check is a stat per file.
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(*due_ns - clock_.NowUnixNanos()) + std::chrono::milliseconds(5));
  settle_timer_->Start(std::max(wait, std::chrono::milliseconds(50)),
                       [this]() { CheckSettling(); });
}

Settling::StatFn FolderRunner::Stat() {
  return [this](const std::string& path) { return fs_->Lstat(path); };
}

void FolderRunner::PullPass() {
  if (job_) {  // the scan's plan must see no local change before it commits
    pull_held_ = true;
    return;
  }
  // While a checkpoint copies the whole log (IndexCheckpointer), the pull's
  // commits wait a turn as a scan's do, so that the log can start over.
  if (index_.db().writes_held()) return Kick();
  ++pull_passes_;
  Result<shoal::PullPass> pass = engine_->Pull();
  ForgetOwnWritesLater();  // a pass records what it wrote, failed or not
  if (!pass && NoteHold()) {
    if (on_change) on_change(*this);
    return;
  }
  if (!pass) {
    pull_error_ = "pull failed: " + pass.error().message;
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << pull_error_;
    ScheduleRetry(true);
    if (on_change) on_change(*this);
    return;
  }
  pull_error_.clear();
  status_.conflicts_made += pass->conflicts;
  for (const std::string& failure : pass->failed) {
    SHOAL_LOG(kWarning) << "folder " << folder_.id << ": " << failure;
  }
  if (!pass->rescan.empty()) Rescan(std::move(pass->rescan));
  // Names changed under the puller are pulled again once scanned; if the
  // scan saw no change, the retry timer (not an immediate pass) comes back.
  // Failed names come back when their backoff ends.
  ScheduleRetry(!pass->rescan.empty() || !pass->failed.empty());
  // A batch landed (the next may be ready), or one is part way finished.
  if (pass->applied > 0 || pass->unfinished) Kick();
  if (on_change) on_change(*this);
}

// The puller's writes are remembered for a while (OwnWrites); once no more
// come, the last of them must still be forgotten. One timer, armed for the
// oldest name's expiry (at least kOwnWritesSweep ahead, so that a burst's
// names go in a few sweeps rather than one wakeup per batch) while any is
// kept, none at idle.
void FolderRunner::ForgetOwnWritesLater() {
  if (own_writes_armed_) return;
  auto next = engine_->ExpireOwnWrites();
  if (!next) return;
  own_writes_armed_ = true;
  auto due = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(std::max<std::int64_t>(*next - clock_.NowUnixNanos(), 0)));
  due = std::max<std::chrono::milliseconds>(due + std::chrono::milliseconds(1), kOwnWritesSweep);
  own_writes_timer_->Start(due, [this]() {
    own_writes_armed_ = false;
    ForgetOwnWritesLater();
    // The last of a burst is gone: give its memory back to the system.
    if (!own_writes_armed_) malloc_trim(0);
  });
}

void FolderRunner::ScheduleRetry(bool soon) {
  std::optional<std::chrono::milliseconds> delay;
  if (soon) delay = options_.retry_interval;
  if (auto next = engine_->NextRetryNanos()) {
    auto due = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(std::max<std::int64_t>(*next - clock_.NowUnixNanos(), 0)));
    due += std::chrono::milliseconds(1);  // not a hair before the name is due
    if (!delay || due < *delay) delay = due;
  }
  if (delay) retry_timer_->Start(*delay, [this]() { Kick(); });
}

FolderStatus FolderRunner::Status() {
  FolderStatus status = status_;
  status.failures = engine_->PullFailures();
  status.error = !scan_error_.empty() ? scan_error_ : pull_error_;
  status.settling = static_cast<std::int64_t>(settling_.waiting());
  const NeedTotals need = engine_->Need();
  status.need = need.names;
  status.need_bytes = need.bytes;
  if (auto totals = index_.CountLive(folder_.key, local_key_)) {
    status.files = totals->files;
    status.directories = totals->directories;
    status.bytes = totals->bytes;
  }
  if (watcher_ && watcher_->degraded()) status.watcher = watcher_->degraded_reason();
  if (engine_->hold() != FolderHold::kNone) {
    status.state = engine_->hold() == FolderHold::kMassDelete ? "paused" : "error";
    status.error = engine_->hold_message();
  } else if (job_) {
    status.state = "scanning";
    // What it has read of what it must, as far as that is known yet.
    status.scan_progress = true;
    status.scan_files_done = job_->progress.files_done.load();
    status.scan_files_total = job_->progress.files_total.load();
    status.scan_bytes_total = job_->progress.bytes_total.load();
    status.scan_bytes_done = std::min(job_->progress.bytes_done.load(), status.scan_bytes_total);
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
