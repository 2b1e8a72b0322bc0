#include <catch2/catch.hpp>

#include "core/store/database.h"
#include "core/store/transaction.h"
#include "tests/support/sync_counting_vfs.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

std::int64_t Synchronous(Database& db) {
  auto stmt = db.Prepare("PRAGMA synchronous");
  REQUIRE(stmt);
  REQUIRE((*stmt)->Step().value());
  return (*stmt)->ColumnInt(0);
}

void Insert(Database& db, std::int64_t v) {
  auto stmt = db.Prepare("INSERT INTO t(v) VALUES(?1)");
  REQUIRE(stmt);
  REQUIRE((*stmt)->Bind(1, v).Run());
}

std::int64_t CountRows(const std::string& path) {
  auto db = Database::Open(path);
  REQUIRE(db);
  auto stmt = db->Prepare("SELECT count(*) FROM t");
  REQUIRE(stmt);
  REQUIRE((*stmt)->Step().value());
  return (*stmt)->ColumnInt(0);
}

// A database with table t, opened through the counting VFS, and the
// count of its log's syncs after the table was made.
struct LogFixture {
  testing::SyncCountingVfs vfs;
  testing::TempDir dir;
  std::string path = dir.File("a.db");
  std::string wal = path + "-wal";
  Database db = Database::Open(path).value();
  int synced = 0;
  LogFixture() {
    REQUIRE(db.Exec("CREATE TABLE t(v INTEGER)"));
    synced = vfs.Syncs(wal);
  }
};

}  // namespace

TEST_CASE(
    "commits in a DeferredSync scope do not sync the log, SyncDeferred syncs it once, and "
    "commits after the scope sync each again",
    "[store][durability]") {
  testing::SyncCountingVfs vfs;
  testing::TempDir dir;
  const std::string path = dir.File("a.db");
  const std::string wal = path + "-wal";
  {
    auto db = Database::Open(path);
    REQUIRE(db);
    REQUIRE(db->Exec("CREATE TABLE t(v INTEGER)"));
    const int synced = vfs.Syncs(wal);
    CHECK(synced >= 1);  // FULL: the commit waited for its log
    CHECK_FALSE(db->sync_pending());
    {
      DeferredSync deferred(*db);
      CHECK(Synchronous(*db) == 1);  // NORMAL
      for (int i = 0; i < 20; ++i) Insert(*db, i);
      auto tx = Transaction::Begin(*db);
      REQUIRE(tx);
      Insert(*db, 20);
      REQUIRE(tx->Commit());
    }
    CHECK(Synchronous(*db) == 2);     // FULL again
    CHECK(vfs.Syncs(wal) == synced);  // 21 commits, none waited
    CHECK(db->sync_pending());
    REQUIRE(db->SyncDeferred());
    CHECK(vfs.Syncs(wal) == synced + 1);
    CHECK_FALSE(db->sync_pending());
    REQUIRE(db->SyncDeferred());  // nothing pending: no sync
    CHECK(vfs.Syncs(wal) == synced + 1);
    Insert(*db, 21);
    CHECK(vfs.Syncs(wal) == synced + 2);
  }
  CHECK(CountRows(path) == 22);
}

TEST_CASE("SyncDeferred inside a DeferredSync scope leaves the later commits of the scope pending",
          "[store][durability]") {
  LogFixture fx;
  {
    DeferredSync deferred(fx.db);
    Insert(fx.db, 1);
    REQUIRE(fx.db.SyncDeferred());
    CHECK(fx.vfs.Syncs(fx.wal) == fx.synced + 1);
    CHECK(fx.db.sync_pending());  // a commit may follow before the scope ends
    Insert(fx.db, 2);
  }
  REQUIRE(fx.db.SyncDeferred());
  CHECK(fx.vfs.Syncs(fx.wal) == fx.synced + 2);
  CHECK_FALSE(fx.db.sync_pending());
}

TEST_CASE(
    "a DeferredSync opened inside a transaction or inside another scope changes nothing, and the "
    "outer scope's end restores FULL",
    "[store][durability]") {
  LogFixture fx;
  {
    auto tx = Transaction::Begin(fx.db);
    REQUIRE(tx);
    {
      DeferredSync deferred(fx.db);  // SQLite refuses the change in a transaction
      Insert(fx.db, 1);
    }
    REQUIRE(tx->Commit());
  }
  CHECK(fx.vfs.Syncs(fx.wal) == fx.synced + 1);  // the commit waited as any other
  CHECK_FALSE(fx.db.sync_pending());
  {
    DeferredSync outer(fx.db);
    {
      DeferredSync inner(fx.db);
      Insert(fx.db, 2);
    }
    CHECK(Synchronous(fx.db) == 1);  // the inner end did not restore FULL early
    Insert(fx.db, 3);
  }
  CHECK(Synchronous(fx.db) == 2);
  CHECK(fx.vfs.Syncs(fx.wal) == fx.synced + 1);
  CHECK(fx.db.sync_pending());
}

}  // namespace shoal
