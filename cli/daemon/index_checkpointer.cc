#include "cli/daemon/index_checkpointer.h"

#include <algorithm>

#include "core/base/log.h"

namespace shoal::cli {

Result<std::unique_ptr<IndexCheckpointer>> IndexCheckpointer::Start(net::EventLoop& loop,
                                                                    Database& db,
                                                                    int start_frames) {
  if (db.path().empty() || db.path() == ":memory:") {
    return Fail(ErrorCode::kInvalidArgument, "an in-memory index has no second connection");
  }
  auto own = Database::Open(db.path());
  if (!own) return own.error().Wrap("checkpoints off the loop");
  std::unique_ptr<IndexCheckpointer> checkpointer(
      new IndexCheckpointer(loop, db, std::make_shared<Database>(std::move(*own)), start_frames));
  db.SetWalHook(
      [](void* self, int frames) { static_cast<IndexCheckpointer*>(self)->OnFrames(frames); },
      checkpointer.get());
  return checkpointer;
}

IndexCheckpointer::IndexCheckpointer(net::EventLoop& loop, Database& db,
                                     std::shared_ptr<Database> own, int start_frames)
    : db_(db),
      offload_(loop),
      own_(std::move(own)),
      self_(std::make_shared<IndexCheckpointer*>(this)),
      start_frames_(start_frames) {}

IndexCheckpointer::~IndexCheckpointer() {
  *self_ = nullptr;
  db_.HoldWrites(false);
  if (!gave_up_) db_.SetWalHook(nullptr, nullptr);
}

void IndexCheckpointer::OnFrames(int frames) {
  if (frames < last_frames_) started_frames_ = copied_frames_ = 0;  // the log started over
  last_frames_ = frames;
  if (running_ || frames - started_frames_ < start_frames_) return;
  StartCheckpoint();
}

void IndexCheckpointer::StartCheckpoint() {
  running_ = true;
  started_frames_ = last_frames_;
  struct Outcome {
    std::string error;
    int copied_frames = 0;
  };
  auto outcome = std::make_shared<Outcome>();
  offload_.Run(
      [own = own_, outcome] {
        auto done = own->Checkpoint();
        if (done) {
          outcome->copied_frames = done->copied_frames;
        } else {
          outcome->error = done.error().message;
        }
      },
      [self = self_, outcome] {
        if (*self != nullptr) (*self)->Finished(outcome->error, outcome->copied_frames);
      });
}

void IndexCheckpointer::Finished(const std::string& error, int copied_frames) {
  running_ = false;
  if (!error.empty()) {
    // A full disk or an I/O error: SQLite's own checkpoint, inline in the
    // commits, meets the same and reports it where the commit fails.
    SHOAL_LOG(kWarning) << "index: checkpoint on the thread pool failed (" << error
                        << "); the loop's commits checkpoint from now on";
    gave_up_ = true;
    db_.HoldWrites(false);
    db_.SetWalHook(nullptr, nullptr);
    return;
  }
  ++checkpoints_;
  const bool progressed = copied_frames > copied_frames_;
  copied_frames_ = std::max(copied_frames_, copied_frames);  // 0 when another one ran
  if (last_frames_ < kRestartFactor * start_frames_) return db_.HoldWrites(false);
  // What the loop wrote while this one ran (the log may have started over
  // meanwhile, leaving less than was copied).
  if (last_frames_ - copied_frames <= start_frames_ / kRestDivisor) return CopyRestOnLoop();
  if (!progressed) return db_.HoldWrites(false);  // a reader holds the rest
  // Once more with the scan's commits paused, so that it copies nearly all.
  db_.HoldWrites(true);
  StartCheckpoint();
}

void IndexCheckpointer::CopyRestOnLoop() {
  db_.HoldWrites(false);
  ++loop_checkpoints_;
  // Nothing else writes while the loop is here. An error is the commits' to
  // meet, as it would be with SQLite's own checkpoint; the next long log
  // tries again.
  auto done = db_.Checkpoint();
  if (!done) {
    SHOAL_LOG(kWarning) << "index: checkpoint: " << done.error().message;
  }
}

}  // namespace shoal::cli
