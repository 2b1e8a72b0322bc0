#include "core/store/database.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <memory>

#include "core/store/schema.h"
#include "core/store/transaction.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

std::int64_t CountRows(Database& db) {
  auto stmt = db.Prepare("SELECT count(*) FROM t");
  REQUIRE(stmt);
  REQUIRE((*stmt)->Step().value());
  std::int64_t n = (*stmt)->ColumnInt(0);
  (*stmt)->Reset();
  return n;
}

Result<void> Insert(Database& db, std::int64_t v) {
  auto stmt = db.Prepare("INSERT INTO t(v) VALUES(?1)");
  if (!stmt) return stmt.error();
  return (*stmt)->Bind(1, v).Run();
}

// Size of the file at `path`, -1 when missing.
std::int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

void FillWal(Database& db, int rows) {
  REQUIRE(db.Exec("CREATE TABLE IF NOT EXISTS t(v INTEGER)"));
  for (int i = 0; i < rows; i += 100) {
    REQUIRE(db.Exec("BEGIN"));
    for (int j = 0; j < 100; ++j) REQUIRE(Insert(db, i + j));
    REQUIRE(db.Exec("COMMIT"));
  }
}

}  // namespace

TEST_CASE(
    "database opens in WAL mode with foreign keys and synchronous FULL so a commit survives a "
    "power loss",
    "[store]") {
  testing::TempDir dir;
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db);
  auto mode = db->Prepare("PRAGMA journal_mode");
  REQUIRE(mode);
  REQUIRE((*mode)->Step().value());
  CHECK((*mode)->ColumnText(0) == "wal");
  auto sync = db->Prepare("PRAGMA synchronous");
  REQUIRE((*sync)->Step().value());
  CHECK((*sync)->ColumnInt(0) == 2);  // FULL: NORMAL would let a power loss undo announced commits
  auto fk = db->Prepare("PRAGMA foreign_keys");
  REQUIRE((*fk)->Step().value());
  CHECK((*fk)->ColumnInt(0) == 1);
  auto busy = db->Prepare("PRAGMA busy_timeout");
  REQUIRE((*busy)->Step().value());
  CHECK((*busy)->ColumnInt(0) == 5000);
}

TEST_CASE("opening a database in a missing directory fails with the path", "[store]") {
  auto db = Database::Open("/nonexistent-dir/shoal/x.db");
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ErrorCode::kIo);
  CHECK_THAT(db.error().message, Catch::Contains("/nonexistent-dir/shoal/x.db"));
}

TEST_CASE("prepared statements are cached and come back reset", "[store]") {
  auto db = Database::Open(":memory:");
  REQUIRE(db);
  auto first = db->Prepare("SELECT ?1 + 1");
  REQUIRE(first);
  (*first)->Bind(1, std::int64_t{41});
  REQUIRE((*first)->Step().value());
  CHECK((*first)->ColumnInt(0) == 42);
  auto again = db->Prepare("SELECT ?1 + 1");
  REQUIRE(again);
  CHECK(again->get() == first->get());  // same cached object
  REQUIRE((*again)->Step().value());
  CHECK((*again)->ColumnIsNull(0));  // bindings were cleared
  CHECK_FALSE(db->Prepare("SELEKT nonsense"));
}

TEST_CASE("a transaction rolls back unless committed", "[store]") {
  auto db = Database::Open(":memory:");
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER)"));
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx);
    REQUIRE(Insert(*db, 1));
  }
  CHECK(CountRows(*db) == 0);
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx);
    REQUIRE(Insert(*db, 1));
    REQUIRE(tx->Commit());
  }
  CHECK(CountRows(*db) == 1);
  CHECK_FALSE(db->InTransaction());
}

TEST_CASE("nested transactions are savepoints: inner rollback keeps the outer work", "[store]") {
  auto db = Database::Open(":memory:");
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER)"));
  auto outer = Transaction::Begin(*db);
  REQUIRE(outer);
  REQUIRE(Insert(*db, 1));
  {
    auto inner = Transaction::Begin(*db);
    REQUIRE(inner);
    REQUIRE(Insert(*db, 2));
  }  // inner rolled back
  {
    auto inner = Transaction::Begin(*db);
    REQUIRE(inner);
    REQUIRE(Insert(*db, 3));
    REQUIRE(inner->Commit());
  }
  CHECK(db->InTransaction());
  REQUIRE(outer->Commit());
  CHECK(CountRows(*db) == 2);
}

TEST_CASE("schema migrates to the latest version once and refuses newer databases", "[store]") {
  testing::TempDir dir;
  {
    auto db = Database::Open(dir.File("m.db"));
    REQUIRE(db);
    REQUIRE(MigrateSchema(*db));
    REQUIRE(MigrateSchema(*db));  // idempotent
    auto v = db->Prepare(sql::kUserVersion);
    REQUIRE((*v)->Step().value());
    CHECK((*v)->ColumnInt(0) == kSchemaVersion);
    REQUIRE(db->Exec("PRAGMA user_version = 99"));
  }
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db);
  auto r = MigrateSchema(*db);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kCorrupt);
  CHECK_THAT(r.error().message, Catch::Contains("v99"));
}

}  // namespace shoal

namespace shoal {

TEST_CASE("a statement lent by Prepare is reset when its guard goes, even mid-read", "[store]") {
  auto db = Database::Open(":memory:");
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  {
    auto stmt = db->Prepare("SELECT v FROM t ORDER BY v");
    REQUIRE(stmt);
    REQUIRE((*stmt)->Step().value());  // one row read, two left: the read is still open
  }                                    // an early return would leave it here
  // A table with an active reader cannot be dropped ("database table is locked").
  CHECK(db->Exec("DROP TABLE t"));
}

TEST_CASE("an idle trim empties the WAL and keeps every row, and waits for no reader", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.File("a.db");
  auto db = Database::Open(path);
  REQUIRE(db);
  FillWal(*db, 2000);
  REQUIRE(FileSize(path + "-wal") > 0);

  // A reader in the middle of a snapshot: the trim gives up at once.
  auto reader = Database::OpenReadOnly(path);
  REQUIRE(reader);
  REQUIRE(reader->Exec("BEGIN"));
  CHECK(CountRows(*reader) == 2000);
  const std::int64_t wal_before = FileSize(path + "-wal");
  auto blocked = db->TrimIdle();
  REQUIRE(blocked);
  CHECK_FALSE(*blocked);
  CHECK(FileSize(path + "-wal") == wal_before);
  REQUIRE(reader->Exec("COMMIT"));

  // Nor while its own transaction is open.
  REQUIRE(db->Exec("BEGIN"));
  CHECK_FALSE(db->TrimIdle().value());
  REQUIRE(db->Exec("COMMIT"));

  auto trimmed = db->TrimIdle();
  REQUIRE(trimmed);
  CHECK(*trimmed);
  CHECK(FileSize(path + "-wal") == 0);
  CHECK(CountRows(*db) == 2000);
  CHECK(CountRows(*reader) == 2000);
  // Writing goes on as before, and a reopened database has every row.
  REQUIRE(Insert(*db, 7));
  *db = Database::Open(path).value();
  CHECK(CountRows(*db) == 2001);
}

TEST_CASE("the commit hook runs on every commit, also after the database has moved", "[store]") {
  testing::TempDir dir;
  auto db = std::make_unique<Database>(Database::Open(dir.File("a.db")).value());
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER)"));
  int commits = 0;
  db->SetCommitHook([](void* n) { ++*static_cast<int*>(n); }, &commits);
  REQUIRE(Insert(*db, 1));
  CHECK(commits == 1);
  // The hook follows the connection; the moved-from objects are gone
  // before it runs (ASan catches a hook still bound to one).
  auto moved = std::make_unique<Database>(std::move(*db));
  db.reset();
  REQUIRE(Insert(*moved, 2));
  CHECK(commits == 2);
  Database assigned = Database::Open(dir.File("b.db")).value();
  assigned = std::move(*moved);
  moved.reset();
  REQUIRE(assigned.Exec("BEGIN; INSERT INTO t(v) VALUES(3); INSERT INTO t(v) VALUES(4); COMMIT;"));
  CHECK(commits == 3);
  // A rolled-back transaction commits nothing.
  REQUIRE(assigned.Exec("BEGIN; INSERT INTO t(v) VALUES(5); ROLLBACK;"));
  CHECK(commits == 3);
  assigned.SetCommitHook(nullptr, nullptr);
  REQUIRE(Insert(assigned, 6));
  CHECK(commits == 3);
  // Assigning from a moved-from database leaves no connection, and no crash.
  Database kept = std::move(assigned);
  Database sink = Database::Open(dir.File("c.db")).value();
  sink = std::move(assigned);
  REQUIRE(Insert(kept, 7));
  CHECK(commits == 3);
}

TEST_CASE("SQLite keeps no memory statistics, so its allocations take no process-wide lock",
          "[store]") {
  // sqlite3_memory_used() counts only while statistics are on; with them on,
  // every allocation SQLite makes takes a global mutex.
  auto db = Database::Open(":memory:");
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER);"));
  for (std::int64_t v = 0; v < 100; ++v) REQUIRE(Insert(*db, v));
  CHECK(CountRows(*db) == 100);
  CHECK(sqlite3_memory_used() == 0);
}

}  // namespace shoal
