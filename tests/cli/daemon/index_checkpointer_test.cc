// IndexCheckpointer on a real index file and event loop: the log is copied
// into the database on the thread pool, never inside a commit on the loop;
// the log starts over, so it stays short; an idle index starts nothing; and
// a failed checkpoint gives the commits back SQLite's own.
#include "cli/daemon/index_checkpointer.h"

#include <catch2/catch.hpp>

#include "tests/cli/daemon/index_loop_fixture.h"
#include "tests/support/sync_counting_vfs.h"

namespace shoal::cli {
namespace {

using testing::WalBytes;

std::int64_t AutoCheckpoint(Database& db) {
  auto stmt = db.Prepare("PRAGMA wal_autocheckpoint");
  REQUIRE(stmt);
  REQUIRE((*stmt)->Step().value());
  return (*stmt)->ColumnInt(0);
}

// Commits that do not wait for the log's sync, as a scan's: any sync of
// the database file is then a checkpoint's. The VFS is a base before the
// index's fixture, so that the index's connections go through it and are
// closed before it goes.
struct CountingVfs {
  shoal::testing::SyncCountingVfs vfs;
};
struct Fixture : CountingVfs, testing::IndexLoopFixture {
  void Commit() { IndexLoopFixture::Commit(200, /*deferred=*/true); }
};

}  // namespace

TEST_CASE(
    "past its start frames the log is checkpointed on the thread pool, never inside a commit, and "
    "starts over",
    "[daemon][store]") {
  Fixture fx;
  auto checkpointer = IndexCheckpointer::Start(*fx.loop, fx.index.db(), 50).value();
  CHECK(AutoCheckpoint(fx.index.db()) == 0);  // SQLite's own is replaced
  std::int64_t largest_wal = 0;
  for (int i = 0; i < 60; ++i) {
    const int db_syncs = fx.vfs.SyncsOnThisThread(fx.path);
    fx.Commit();
    // The loop's thread did not copy the log: it did not sync the database
    // file, as SQLite's own checkpoint, inline in the commit, would have.
    INFO("commit " << i << ", " << checkpointer->checkpoints() << " checkpoints, "
                   << checkpointer->loop_checkpoints() << " inline, log " << WalBytes(fx.path));
    CHECK(fx.vfs.SyncsOnThisThread(fx.path) == db_syncs);
    fx.loop->Run();  // returns once a checkpoint it started has finished
    largest_wal = std::max(largest_wal, WalBytes(fx.path));
  }
  CHECK_FALSE(checkpointer->gave_up());
  CHECK(checkpointer->checkpoints() >= 5);
  CHECK(checkpointer->loop_checkpoints() == 0);
  CHECK(fx.vfs.Syncs(fx.path) >= checkpointer->checkpoints());  // on the pool's threads
  // 60 commits of 200 names without a checkpoint leave a log of several
  // MiB; starting over keeps it near 50 frames plus one commit's.
  INFO("largest log " << largest_wal << " bytes");
  CHECK(largest_wal < 1024 * 1024);
  // Every entry is in the index, as seen by a connection of its own.
  auto reader = Index::OpenReader(fx.path).value();
  CHECK(reader.GetGlobal(fx.folder, "f" + std::to_string(fx.sequence)).value().has_value());
  CHECK(reader.GetGlobal(fx.folder, "f1").value().has_value());

  checkpointer.reset();
  CHECK(AutoCheckpoint(fx.index.db()) == 1000);  // SQLite's own is back
}

TEST_CASE(
    "a long log is copied by checkpoints back to back and the rest by the loop, and starts over "
    "once no reader holds it",
    "[daemon][store]") {
  Fixture fx;
  constexpr int kStart = 20;
  auto checkpointer = IndexCheckpointer::Start(*fx.loop, fx.index.db(), kStart).value();
  fx.Commit();
  fx.loop->Run();
  // A reader on an old snapshot: no checkpoint can copy what came after it.
  auto reader = Index::OpenReader(fx.path).value();
  REQUIRE(reader.db().Exec("BEGIN"));
  REQUIRE(reader.GetGlobal(fx.folder, "f1").value().has_value());
  const std::int64_t restart_bytes =
      std::int64_t{IndexCheckpointer::kRestartFactor} * kStart * 4096;
  int commits = 0;
  while (WalBytes(fx.path) < 2 * restart_bytes) {
    fx.Commit();
    ++commits;
    fx.loop->Run();
  }
  // Blocked checkpoints are not chained without end: at most one that
  // copies something and one that finds nothing new, per commit.
  CHECK(checkpointer->checkpoints() <= 2 * commits + 1);
  CHECK(checkpointer->loop_checkpoints() == 0);
  CHECK_FALSE(fx.index.db().writes_held());  // a pause would not help: lifted
  REQUIRE(reader.db().Exec("COMMIT"));
  for (int i = 0; i < 50 && checkpointer->loop_checkpoints() == 0; ++i) {
    fx.Commit();
    fx.loop->Run();
  }
  CHECK(checkpointer->loop_checkpoints() == 1);
  const std::int64_t longest = WalBytes(fx.path);
  for (int i = 0; i < 20; ++i) {
    fx.Commit();
    fx.loop->Run();
  }
  CHECK(WalBytes(fx.path) == longest);  // written from the start again
  CHECK_FALSE(fx.index.db().writes_held());
}

TEST_CASE("below its start frames no checkpoint starts, so an idle index costs nothing",
          "[daemon][store]") {
  Fixture fx;
  auto checkpointer = IndexCheckpointer::Start(*fx.loop, fx.index.db(), 100000).value();
  for (int i = 0; i < 5; ++i) fx.Commit();
  fx.loop->Run();  // nothing queued: returns at once
  CHECK(checkpointer->checkpoints() == 0);
}

TEST_CASE(
    "a checkpoint that fails gives the commits back SQLite's own checkpoint, and no entry is lost",
    "[daemon][store]") {
  Fixture fx;
  auto checkpointer = IndexCheckpointer::Start(*fx.loop, fx.index.db(), 20).value();
  fx.vfs.FailSyncs(fx.path);  // the checkpoint's sync of the database file fails
  for (int i = 0; i < 5 && !checkpointer->gave_up(); ++i) {
    fx.Commit();
    fx.loop->Run();
  }
  CHECK(checkpointer->gave_up());
  CHECK(AutoCheckpoint(fx.index.db()) == 1000);
  fx.vfs.FailSyncs("");
  fx.Commit();
  auto reader = Index::OpenReader(fx.path).value();
  CHECK(reader.GetGlobal(fx.folder, "f" + std::to_string(fx.sequence)).value().has_value());
}

}  // namespace shoal::cli
