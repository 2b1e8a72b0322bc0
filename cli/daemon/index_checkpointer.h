// IndexCheckpointer: copies the index's write-ahead log into the database
// file on libuv's thread pool, through a second connection of its own, so
// that no commit on the loop does a checkpoint's writes and fsyncs. While
// 1,000,000 files were indexed, SQLite's automatic checkpoint ran inside
// the loop's commits 63 times in 8 s, two fdatasyncs each
// (docs/performance.md, "Checkpoints off the loop").
//
// It replaces that automatic checkpoint (Database::SetWalHook): a commit
// that leaves kStartFrames more frames in the log than the last checkpoint
// started with starts one, unless one is running. A checkpoint racing the
// loop's commits rarely copies the whole log, and SQLite starts the log over
// only once it has been copied whole (the log grew to 4.7 GB while
// 1,000,000 files were indexed). So once the log is past kRestartFactor
// times the start frames, the next checkpoint that ends with much left
// asks bulk writers to pause (Database::HoldWrites: a scan's commit steps
// wait a turn) and runs once more, copying nearly all; the loop copies the
// little left (at most the start frames / kRestDivisor) itself, and its
// next commit starts the log over. A checkpoint that copied nothing new (a
// reader holds the rest) lifts the pause and is not followed at once. If a
// checkpoint fails, the automatic checkpoint comes back and a warning says
// why. No timers: an idle index costs nothing here.
//
// Thread: the loop's thread, which must be the thread that writes the
// index. The loop and the database outlive it. A checkpoint still running
// when it goes finishes on the thread pool with the connection it holds.
#pragma once

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/store/database.h"
#include "net/loop/event_loop.h"
#include "net/loop/loop_offload.h"

namespace shoal::cli {

class IndexCheckpointer {
 public:
  // 8 MiB of log at 4 KiB pages: SQLite's own default is 1,000; fewer
  // checkpoints also mean fewer times the log starts over, each of which
  // syncs its new header on the loop.
  static constexpr int kStartFrames = 2000;
  static constexpr int kRestartFactor = 8;  // 64 MiB of log
  static constexpr int kRestDivisor = 8;    // the loop copies at most start / 8

  // Opens the second connection to `db`'s file. Fails for an in-memory
  // database, which no other connection can see.
  static Result<std::unique_ptr<IndexCheckpointer>> Start(net::EventLoop& loop, Database& db,
                                                          int start_frames = kStartFrames);
  ~IndexCheckpointer();
  IndexCheckpointer(const IndexCheckpointer&) = delete;
  IndexCheckpointer& operator=(const IndexCheckpointer&) = delete;

  // Checkpoints finished on the thread pool, those the loop made itself,
  // and whether the automatic one is back, for tests.
  int checkpoints() const { return checkpoints_; }
  int loop_checkpoints() const { return loop_checkpoints_; }
  bool gave_up() const { return gave_up_; }

 private:
  IndexCheckpointer(net::EventLoop& loop, Database& db, std::shared_ptr<Database> own,
                    int start_frames);
  void OnFrames(int frames);
  void StartCheckpoint();
  void Finished(const std::string& error, int copied_frames);
  void CopyRestOnLoop();

  Database& db_;
  net::LoopOffload offload_;
  std::shared_ptr<Database> own_;             // shared with a running checkpoint
  std::shared_ptr<IndexCheckpointer*> self_;  // a finishing checkpoint's way back, if alive
  int start_frames_;
  bool running_ = false;
  bool gave_up_ = false;
  int last_frames_ = 0;     // the log's length after the last commit
  int started_frames_ = 0;  // its length when the last checkpoint started
  int copied_frames_ = 0;   // how much of it the last checkpoint left in the file
  int checkpoints_ = 0;
  int loop_checkpoints_ = 0;
};

}  // namespace shoal::cli
