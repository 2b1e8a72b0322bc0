#include "cli/daemon/index_trim.h"

#include <malloc.h>

#include "core/base/log.h"

namespace shoal::cli {

Result<std::unique_ptr<IndexTrim>> IndexTrim::Start(net::EventLoop& loop, Database& db,
                                                    std::chrono::milliseconds quiet) {
  auto timer = net::Timer::Create(loop);
  if (!timer) return timer.error();
  std::unique_ptr<IndexTrim> trim(new IndexTrim(db, std::move(*timer), quiet));
  db.SetCommitHook([](void* self) { static_cast<IndexTrim*>(self)->OnCommit(); }, trim.get());
  return trim;
}

IndexTrim::~IndexTrim() { db_.SetCommitHook(nullptr, nullptr); }

void IndexTrim::OnCommit() {
  last_commit_ = std::chrono::steady_clock::now();
  retries_ = 0;
  if (armed_) return;
  armed_ = true;
  timer_->Start(quiet_, [this] { OnQuiet(); });
}

void IndexTrim::OnQuiet() {
  armed_ = false;
  const auto since = std::chrono::steady_clock::now() - last_commit_;
  if (since < quiet_) {
    armed_ = true;
    timer_->Start(std::chrono::duration_cast<std::chrono::milliseconds>(quiet_ - since) +
                      std::chrono::milliseconds(1),
                  [this] { OnQuiet(); });
    return;
  }
  ++tries_;
  auto trimmed = db_.TrimIdle();
  if (!trimmed) {
    SHOAL_LOG(kWarning) << "index: trimming the write-ahead log: " << trimmed.error().message;
    return;
  }
  if (!*trimmed) {
    if (retries_++ < kRetries) {
      armed_ = true;
      timer_->Start(quiet_, [this] { OnQuiet(); });
    }
    return;
  }
  ++trims_;
  // The page cache just freed sits in malloc's arenas until trimmed.
  malloc_trim(0);
}

}  // namespace shoal::cli
