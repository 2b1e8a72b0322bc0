#include "tests/support/sqlite_inspect.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>

namespace shoal::testing {
namespace {

// Each row's column `column` as text, one per line.
std::string Column(const std::string& path, const std::string& query, int column) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  std::string out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    out += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace

std::string QueryPlan(const std::string& path, const char* query) {
  return Column(path, "EXPLAIN QUERY PLAN " + std::string(query), 3);
}

void ExecSql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string IndexNames(const std::string& path) {
  return Column(path, "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name", 0);
}

// Peers' rows get sequences again, unique per device as v7 required.
#define SHOAL_UNDO_SCHEMA_V8                                                              \
  "CREATE TABLE block_locations_v7 (hash BLOB NOT NULL, "                                 \
  "  file INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE, "                      \
  "  offset INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (hash, file, offset)) "  \
  "  WITHOUT ROWID; "                                                                     \
  "INSERT INTO block_locations_v7 SELECT hash, file, offset, size FROM block_locations; " \
  "DROP TABLE block_locations; "                                                          \
  "ALTER TABLE block_locations_v7 RENAME TO block_locations; "                            \
  "CREATE INDEX block_locations_by_file ON block_locations(file); "                       \
  "DROP INDEX files_by_sequence; "                                                        \
  "UPDATE files SET sequence = 1000000 + id WHERE sequence = 0; "                         \
  "CREATE UNIQUE INDEX files_by_sequence ON files(folder, device, sequence); "

const char* const kUndoSchemaV8 = SHOAL_UNDO_SCHEMA_V8 "PRAGMA user_version = 7;";

// The list hash of a moved list is the list itself: unique per list, which
// is all a test needs (a real v6 store holds its XXH3-128).
const char* const kUndoSchemaV7 = SHOAL_UNDO_SCHEMA_V8
    "INSERT INTO block_lists(list_hash, blocks, refs) "
    "  SELECT DISTINCT blocks, blocks, 0 FROM files WHERE blocks IS NOT NULL; "
    "UPDATE files SET block_list = (SELECT id FROM block_lists b "
    "  WHERE b.list_hash = files.blocks), blocks = NULL WHERE blocks IS NOT NULL; "
    "DROP INDEX files_by_block_list; ALTER TABLE files DROP COLUMN blocks; "
    "PRAGMA user_version = 6;";

}  // namespace shoal::testing
