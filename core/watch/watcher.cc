#include "core/watch/watcher.h"

#include <memory>

#include "core/base/log.h"
#include "core/base/uv_handle.h"
#include "core/watch/inotify_source.h"

namespace shoal {
namespace {

// How long reading waits while a batch is pending (see Block::resume).
constexpr std::chrono::milliseconds kReadPause{5};

}  // namespace

// The state the handles' callbacks reach through their `data`. Freed at
// once by Stop() or ~Watcher: its UvHandles close first (members go in
// reverse order), after which no callback of theirs runs, and only then
// does the source close the inotify descriptor (which libuv allows right
// after uv_close of the poll).
struct Watcher::Block {
  Block(std::unique_ptr<InotifySource> s, const WatcherOptions& options,
        std::function<void(WatchBatch)> callback)
      : source(std::move(s)),
        coalescer(options.quiet, options.max_delay),
        own_write(options.own_write),
        on_batch(std::move(callback)) {}

  std::unique_ptr<InotifySource> source;
  Coalescer coalescer;
  std::function<bool(const std::string& rel_name)> own_write;
  std::function<void(WatchBatch)> on_batch;
  UvHandle<uv_poll_t> poll;
  UvHandle<uv_timer_t> timer;
  // While a batch is pending (from an earlier read), events are read every
  // kReadPause instead of as each comes: the kernel merges a file's
  // repeated identical events that wait unread, so a file being written
  // costs a read per pause rather than one per write (about 1.1 s of CPU
  // per GB written in 8 KiB writes, before).
  UvHandle<uv_timer_t> resume;
  bool paused = false;
  std::uint64_t reads = 0;

  Coalescer::TimePoint Now() const {
    return Coalescer::TimePoint(std::chrono::milliseconds(uv_now(poll->loop)));
  }
  Result<void> Open(uv_loop_t* loop);
  void OnReadable(int status);
  void ReadEvents();
  void StartPolling();
  void OnResume();
  void OnTimer();
  void ArmTimer();
  void TakePendingRescan();
};

Result<void> Watcher::Block::Open(uv_loop_t* loop) {
  auto polled = UvHandle<uv_poll_t>::Init(loop, uv_poll_init, source->fd());
  if (!polled) return Fail(ErrorCode::kIo, "watch: " + polled.error().message);
  poll = std::move(*polled);
  poll->data = this;
  auto timed = UvHandle<uv_timer_t>::Init(loop, uv_timer_init);
  if (!timed) return Fail(ErrorCode::kIo, "watch: " + timed.error().message);
  timer = std::move(*timed);
  timer->data = this;
  auto resumed = UvHandle<uv_timer_t>::Init(loop, uv_timer_init);
  if (!resumed) return Fail(ErrorCode::kIo, "watch: " + resumed.error().message);
  resume = std::move(*resumed);
  resume->data = this;
  int rc = uv_poll_start(poll.get(), UV_READABLE, [](uv_poll_t* handle, int status, int) noexcept {
    static_cast<Block*>(handle->data)->OnReadable(status);
  });
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("watch: uv_poll_start: ") + uv_strerror(rc));
  return {};
}

void Watcher::Block::StartPolling() {
  int rc = uv_poll_start(poll.get(), UV_READABLE, [](uv_poll_t* handle, int status, int) noexcept {
    static_cast<Block*>(handle->data)->OnReadable(status);
  });
  SHOAL_CHECK(rc == 0, "uv_poll_start on a poll that started once cannot fail");
  paused = false;
}

void Watcher::Block::OnReadable(int status) {
  if (!on_batch) return;
  if (status < 0) {
    SHOAL_LOG(kWarning) << "watch: poll failed: " << uv_strerror(status);
    return;
  }
  // The events of one quick change (create, modify, close) come a moment
  // apart: only once a batch was already pending before this read is the
  // next one put off, so a single change is not delayed by the pause.
  const bool was_pending = coalescer.pending();
  ReadEvents();
  if (!was_pending || !coalescer.pending() || paused) return;
  uv_poll_stop(poll.get());
  paused = true;
  int rc = uv_timer_start(
      resume.get(),
      [](uv_timer_t* handle) noexcept { static_cast<Block*>(handle->data)->OnResume(); },
      static_cast<std::uint64_t>(kReadPause.count()), 0);
  SHOAL_CHECK(rc == 0, "uv_timer_start on an open timer cannot fail");
}

void Watcher::Block::OnResume() {
  if (paused) StartPolling();  // what waits is read at once
}

void Watcher::Block::ReadEvents() {
  ++reads;
  InotifyOutput out;
  if (auto read = source->Read(out); !read) {
    SHOAL_LOG(kWarning) << read.error().ToString();
    coalescer.AddFullRescan(read.error().message, Now());
  }
  const auto now = Now();
  for (std::string& path : out.paths) {
    // A path already in the pending batch is reported anyway: no need to
    // ask again whether this event was ours (a stat each). A file being
    // written sends an event per write, so this is once per batch instead.
    if (!coalescer.Holds(path) && own_write && own_write(path)) continue;
    coalescer.Add(std::move(path), now);
  }
  if (out.full_rescan_reason) coalescer.AddFullRescan(std::move(*out.full_rescan_reason), now);
  ArmTimer();
}

void Watcher::Block::ArmTimer() {
  if (!coalescer.pending()) return;
  const auto wait = coalescer.Due() - Now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  int rc = uv_timer_start(
      timer.get(),
      [](uv_timer_t* handle) noexcept { static_cast<Block*>(handle->data)->OnTimer(); },
      static_cast<std::uint64_t>(ms < 0 ? 0 : ms), 0);
  SHOAL_CHECK(rc == 0, "uv_timer_start on an open timer cannot fail");
}

void Watcher::Block::TakePendingRescan() {
  if (auto reason = source->TakePendingRescan()) {
    coalescer.AddFullRescan(std::move(*reason), Now());
    ArmTimer();
  }
}

void Watcher::Block::OnTimer() {
  if (!on_batch || !coalescer.pending()) return;
  if (paused) ReadEvents();  // the batch takes what waits unread
  if (Now() < coalescer.Due()) return ArmTimer();
  // Run a copy: the callback may stop or destroy the Watcher, which frees
  // this block (`on_batch` included), so nothing here touches it afterwards.
  auto deliver = on_batch;
  deliver(coalescer.Take());
}

Watcher::Watcher() = default;
Watcher::~Watcher() = default;

Result<void> Watcher::Start(uv_loop_t* loop, const std::string& root, WatcherOptions options,
                            std::function<void(WatchBatch)> on_batch) {
  SHOAL_CHECK(block_ == nullptr, "Watcher::Start on a started watcher");
  auto source = InotifySource::Open(root, InotifyOptions{options.ignore, options.max_watches});
  if (!source) return source.error();
  auto block = std::make_unique<Block>(std::move(*source), options, std::move(on_batch));
  if (auto opened = block->Open(loop); !opened) return opened.error();  // `block` closes all
  block_ = std::move(block);
  block_->TakePendingRescan();
  return {};
}

void Watcher::Rewalk() {
  if (block_ == nullptr) return;
  block_->source->Rewalk();
  block_->TakePendingRescan();
}

void Watcher::Stop() { block_.reset(); }

bool Watcher::degraded() const { return block_ != nullptr && block_->source->degraded(); }

std::string Watcher::degraded_reason() const {
  return block_ != nullptr ? block_->source->degraded_reason() : std::string();
}

std::uint64_t Watcher::reads() const { return block_ != nullptr ? block_->reads : 0; }

std::size_t Watcher::watch_count() const {
  return block_ != nullptr ? block_->source->watch_count() : 0;
}

}  // namespace shoal
