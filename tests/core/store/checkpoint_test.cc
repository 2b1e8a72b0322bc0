// Database::Checkpoint from a second connection, as IndexCheckpointer runs
// it on the thread pool: it copies the whole log when it can, says when it
// could not, waiting for nobody, and a log copied whole starts over at the
// next commit instead of growing.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/store/database.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

std::int64_t WalBytes(const std::string& path) {
  struct stat st {};
  return ::stat((path + "-wal").c_str(), &st) == 0 ? st.st_size : -1;
}

void CommitRows(Database& db, int rows) {
  REQUIRE(db.Exec("BEGIN IMMEDIATE"));
  for (int i = 0; i < rows; ++i) {
    auto stmt = db.Prepare("INSERT INTO t(v) VALUES(randomblob(300))");
    REQUIRE(stmt);
    REQUIRE((*stmt)->Run());
  }
  REQUIRE(db.Exec("COMMIT"));
}

struct Fixture {
  testing::TempDir dir;
  std::string path = dir.File("a.db");
  Database writer = Database::Open(path).value();
  Database checkpointer = Database::Open(path).value();
  Fixture() { REQUIRE(writer.Exec("PRAGMA wal_autocheckpoint=0; CREATE TABLE t(v BLOB)")); }
};

}  // namespace

TEST_CASE(
    "a checkpoint from a second connection copies the whole log and the writer's next commit "
    "starts the log over",
    "[store]") {
  Fixture fx;
  CommitRows(fx.writer, 500);
  const std::int64_t wal = WalBytes(fx.path);
  REQUIRE(wal > 0);
  for (int round = 0; round < 5; ++round) {
    auto whole = fx.checkpointer.Checkpoint();
    REQUIRE(whole);
    CHECK(whole->whole());
    CommitRows(fx.writer, 500);
    CHECK(WalBytes(fx.path) == wal);  // written from the start again, not appended
  }
}

TEST_CASE(
    "a checkpoint blocked by a reader's older snapshot says the log is not all copied, without "
    "waiting, and copies it all once the reader is done",
    "[store]") {
  Fixture fx;
  CommitRows(fx.writer, 10);
  Database reader = Database::OpenReadOnly(fx.path).value();
  REQUIRE(reader.Exec("BEGIN"));
  {
    auto stmt = reader.Prepare("SELECT count(*) FROM t");
    REQUIRE(stmt);
    REQUIRE((*stmt)->Step().value());
    CHECK((*stmt)->ColumnInt(0) == 10);
  }
  CommitRows(fx.writer, 200);                  // frames the reader's snapshot must not see copied
  REQUIRE(fx.writer.Exec("BEGIN IMMEDIATE"));  // and a writer holding the lock
  auto blocked = fx.checkpointer.Checkpoint();
  REQUIRE(blocked);
  CHECK_FALSE(blocked->whole());
  CHECK(blocked->copied_frames < blocked->log_frames);
  REQUIRE(fx.writer.Exec("COMMIT"));
  REQUIRE(reader.Exec("COMMIT"));
  const std::int64_t wal = WalBytes(fx.path);
  CommitRows(fx.writer, 10);  // the log could not start over: it grows
  CHECK(WalBytes(fx.path) > wal);
  auto whole = fx.checkpointer.Checkpoint();
  REQUIRE(whole);
  CHECK(whole->whole());
}

}  // namespace shoal
