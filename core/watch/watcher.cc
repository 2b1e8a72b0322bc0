#include "core/watch/watcher.h"

#include <memory>

#include "core/base/log.h"
#include "core/watch/inotify_source.h"

namespace shoal {

struct Watcher::Block {
  Block(std::unique_ptr<InotifySource> s, const WatcherOptions& options,
        std::function<void(WatchBatch)> callback)
      : source(std::move(s)),
        coalescer(options.quiet, options.max_delay),
        on_batch(std::move(callback)) {}

  uv_poll_t poll{};
  uv_timer_t timer{};
  int open_handles = 0;  // the block is freed when this falls back to 0
  std::unique_ptr<InotifySource> source;
  Coalescer coalescer;
  std::function<void(WatchBatch)> on_batch;  // empty once stopped
  std::function<void()> done;

  Coalescer::TimePoint Now() const {
    return Coalescer::TimePoint(std::chrono::milliseconds(uv_now(poll.loop)));
  }
  void OnReadable(int status);
  void OnTimer();
  void ArmTimer();
  void TakePendingRescan();
  void Close();
  static void OnClosed(uv_handle_t* handle) noexcept;
};

void Watcher::Block::OnReadable(int status) {
  if (!on_batch) return;
  if (status < 0) {
    SHOAL_LOG(kWarning) << "watch: poll failed: " << uv_strerror(status);
    return;
  }
  InotifyOutput out;
  if (auto read = source->Read(out); !read) {
    SHOAL_LOG(kWarning) << read.error().ToString();
    coalescer.AddFullRescan(read.error().message, Now());
  }
  const auto now = Now();
  for (std::string& path : out.paths) coalescer.Add(std::move(path), now);
  if (out.full_rescan_reason) coalescer.AddFullRescan(std::move(*out.full_rescan_reason), now);
  ArmTimer();
}

void Watcher::Block::ArmTimer() {
  if (!coalescer.pending()) return;
  const auto wait = coalescer.Due() - Now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  int rc = uv_timer_start(
      &timer, [](uv_timer_t* handle) noexcept { static_cast<Block*>(handle->data)->OnTimer(); },
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
  if (Now() < coalescer.Due()) return ArmTimer();
  // Run a copy: the callback may stop or destroy the Watcher, which clears
  // `on_batch`; the block itself lives until the close callbacks.
  auto deliver = on_batch;
  deliver(coalescer.Take());
}

void Watcher::Block::Close() {
  on_batch = nullptr;
  uv_poll_stop(&poll);
  uv_timer_stop(&timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), &Block::OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), &Block::OnClosed);
}

void Watcher::Block::OnClosed(uv_handle_t* handle) noexcept {
  auto* block = static_cast<Block*>(handle->data);
  if (--block->open_handles > 0) return;
  auto done = std::move(block->done);
  delete block;  // closes the inotify descriptor, now that the poll is gone
  if (done) done();
}

Result<void> Watcher::Start(uv_loop_t* loop, const std::string& root, WatcherOptions options,
                            std::function<void(WatchBatch)> on_batch) {
  SHOAL_CHECK(block_ == nullptr, "Watcher::Start on a started watcher");
  auto source = InotifySource::Open(
      root, InotifyOptions{options.ignore, options.own_write, options.max_watches});
  if (!source) return source.error();
  const int fd = (*source)->fd();
  auto block = std::make_unique<Block>(std::move(*source), options, std::move(on_batch));
  int rc = uv_poll_init(loop, &block->poll, fd);
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("watch: uv_poll_init: ") + uv_strerror(rc));
  // From here on the block belongs to its handles' close callbacks.
  Block* raw = block.release();
  raw->poll.data = raw;
  raw->open_handles = 1;
  rc = uv_timer_init(loop, &raw->timer);
  if (rc == 0) {
    raw->timer.data = raw;
    raw->open_handles = 2;
    rc = uv_poll_start(&raw->poll, UV_READABLE, [](uv_poll_t* handle, int status, int) noexcept {
      static_cast<Block*>(handle->data)->OnReadable(status);
    });
  }
  if (rc != 0) {
    raw->on_batch = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&raw->poll), &Block::OnClosed);
    if (raw->open_handles == 2)
      uv_close(reinterpret_cast<uv_handle_t*>(&raw->timer), &Block::OnClosed);
    return Fail(ErrorCode::kIo, std::string("watch: ") + uv_strerror(rc));
  }
  block_ = raw;
  raw->TakePendingRescan();
  return {};
}

void Watcher::Rewalk() {
  if (block_ == nullptr) return;
  block_->source->Rewalk();
  block_->TakePendingRescan();
}

void Watcher::Stop(std::function<void()> done) {
  if (block_ == nullptr) {
    if (done) done();
    return;
  }
  block_->done = std::move(done);
  block_->Close();
  block_ = nullptr;
}

Watcher::~Watcher() {
  if (block_ != nullptr) block_->Close();
}

bool Watcher::degraded() const { return block_ != nullptr && block_->source->degraded(); }

std::string Watcher::degraded_reason() const {
  return block_ != nullptr ? block_->source->degraded_reason() : std::string();
}

std::size_t Watcher::watch_count() const {
  return block_ != nullptr ? block_->source->watch_count() : 0;
}

}  // namespace shoal
