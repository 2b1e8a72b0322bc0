// IndexTrim: once the index has had no commit for a few seconds, gives back
// what the last burst of writes left behind (Database::TrimIdle): the WAL,
// which keeps its largest size until truncated (8 MB after 100,000 files
// arrived), and the connection's page cache, returned to the system.
//
// No polling: a commit arms a one-shot timer and the timer re-arms itself
// only while commits keep coming or a reader holds the WAL, so an idle
// daemon has no wakeups from it.
//
// Thread: the loop's thread, which must be the thread that writes the
// index. The loop and the database outlive it.
#pragma once

#include <chrono>
#include <memory>

#include "core/base/result.h"
#include "core/store/database.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

namespace shoal::cli {

class IndexTrim {
 public:
  // How long without a commit counts as idle.
  static constexpr std::chrono::seconds kQuiet{5};
  // A trim that a reader blocked is tried again this many times.
  static constexpr int kRetries = 3;

  static Result<std::unique_ptr<IndexTrim>> Start(net::EventLoop& loop, Database& db,
                                                  std::chrono::milliseconds quiet = kQuiet);
  ~IndexTrim();
  IndexTrim(const IndexTrim&) = delete;
  IndexTrim& operator=(const IndexTrim&) = delete;

  // Trims done so far, and tries (those a reader blocked too), for tests.
  int trims() const { return trims_; }
  int tries() const { return tries_; }

 private:
  IndexTrim(Database& db, std::unique_ptr<net::Timer> timer, std::chrono::milliseconds quiet)
      : db_(db), timer_(std::move(timer)), quiet_(quiet) {}
  void OnCommit();
  void OnQuiet();

  Database& db_;
  std::unique_ptr<net::Timer> timer_;
  std::chrono::milliseconds quiet_;
  std::chrono::steady_clock::time_point last_commit_{};
  bool armed_ = false;
  int retries_ = 0;
  int trims_ = 0;
  int tries_ = 0;
};

}  // namespace shoal::cli
