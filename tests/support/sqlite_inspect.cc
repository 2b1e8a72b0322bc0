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

std::string FreePages(const std::string& path) { return Column(path, "PRAGMA freelist_count", 0); }

std::string TableNames(const std::string& path) {
  return Column(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", 0);
}

// Back to v8: files with its (folder, device, name) unique index and no
// marks, and the global table they came from, with its indexes and triggers.
#define SHOAL_UNDO_SCHEMA_V9                                                                      \
  "CREATE TABLE files_v8 (id INTEGER PRIMARY KEY, "                                               \
  "  folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE, "                          \
  "  device INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE, "                          \
  "  name TEXT NOT NULL, type INTEGER NOT NULL, size INTEGER NOT NULL, "                          \
  "  mtime_ns INTEGER NOT NULL, permissions INTEGER NOT NULL, deleted INTEGER NOT NULL, "         \
  "  version BLOB NOT NULL, sequence INTEGER NOT NULL, "                                          \
  "  block_list INTEGER REFERENCES block_lists(id), symlink_target TEXT, "                        \
  "  inode INTEGER NOT NULL DEFAULT 0, blocks BLOB, UNIQUE (folder, device, name)); "             \
  "CREATE TABLE global (folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE, "       \
  "  name TEXT NOT NULL, file INTEGER NOT NULL, need INTEGER NOT NULL, "                          \
  "  size INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (folder, name)) WITHOUT ROWID; "                \
  "INSERT INTO files_v8 SELECT id, folder, device, name, type, size, mtime_ns, permissions, "     \
  "  deleted, version, sequence, block_list, symlink_target, inode, blocks FROM files; "          \
  "INSERT INTO global SELECT folder, name, id, need, "                                            \
  "  iif(deleted = 0 AND type = 0, size, 0) FROM files WHERE global = 1; "                        \
  "DROP TABLE files; "                                                                            \
  "ALTER TABLE files_v8 RENAME TO files; "                                                        \
  "CREATE UNIQUE INDEX files_by_sequence ON files(folder, device, sequence) WHERE sequence > 0; " \
  "CREATE INDEX files_by_block_list ON files(block_list) WHERE block_list IS NOT NULL; "          \
  "CREATE INDEX global_needed ON global(folder, name) WHERE need = 1; "                           \
  "CREATE INDEX global_conflict_copies ON global(folder, name) "                                  \
  "  WHERE name GLOB '*.sync-conflict-*'; "                                                       \
  "CREATE TRIGGER files_block_list_insert AFTER INSERT ON files "                                 \
  "WHEN new.block_list IS NOT NULL BEGIN "                                                        \
  "  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list; END; "                     \
  "CREATE TRIGGER files_block_list_update AFTER UPDATE OF block_list ON files BEGIN "             \
  "  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list; "                          \
  "  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list; "                          \
  "  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0; END; "                       \
  "CREATE TRIGGER files_block_list_delete AFTER DELETE ON files "                                 \
  "WHEN old.block_list IS NOT NULL BEGIN "                                                        \
  "  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list; "                          \
  "  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0; END; "                       \
  "CREATE TRIGGER files_totals_insert AFTER INSERT ON files WHEN new.deleted = 0 BEGIN "          \
  "  INSERT INTO file_totals(folder, device, type, count, bytes) "                                \
  "    VALUES(new.folder, new.device, new.type, 1, new.size) "                                    \
  "    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, "                       \
  "    bytes = bytes + new.size; END; "                                                           \
  "CREATE TRIGGER files_totals_delete AFTER DELETE ON files WHEN old.deleted = 0 BEGIN "          \
  "  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size "                         \
  "    WHERE folder = old.folder AND device = old.device AND type = old.type; END; "              \
  "CREATE TRIGGER files_totals_update AFTER UPDATE OF deleted, size, type ON files BEGIN "        \
  "  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size "                         \
  "    WHERE old.deleted = 0 AND folder = old.folder AND device = old.device "                    \
  "    AND type = old.type; "                                                                     \
  "  INSERT INTO file_totals(folder, device, type, count, bytes) "                                \
  "    SELECT new.folder, new.device, new.type, 1, new.size WHERE new.deleted = 0 "               \
  "    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, "                       \
  "    bytes = bytes + new.size; END; "                                                           \
  "CREATE TRIGGER global_need_insert AFTER INSERT ON global WHEN new.need = 1 BEGIN "             \
  "  INSERT INTO need_totals(folder, count, bytes) VALUES(new.folder, 1, new.size) "              \
  "    ON CONFLICT(folder) DO UPDATE SET count = count + 1, bytes = bytes + new.size; END; "      \
  "CREATE TRIGGER global_need_delete AFTER DELETE ON global WHEN old.need = 1 BEGIN "             \
  "  UPDATE need_totals SET count = count - 1, bytes = bytes - old.size "                         \
  "    WHERE folder = old.folder; END; "                                                          \
  "CREATE TRIGGER global_need_update AFTER UPDATE OF need, size ON global BEGIN "                 \
  "  UPDATE need_totals SET count = count - 1, bytes = bytes - old.size "                         \
  "    WHERE old.need = 1 AND folder = old.folder; "                                              \
  "  INSERT INTO need_totals(folder, count, bytes) SELECT new.folder, 1, new.size "               \
  "    WHERE new.need = 1 "                                                                       \
  "    ON CONFLICT(folder) DO UPDATE SET count = count + 1, bytes = bytes + new.size; END; "

const char* const kUndoSchemaV9 = SHOAL_UNDO_SCHEMA_V9 "PRAGMA user_version = 8;";

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

const char* const kUndoSchemaV8 =
    SHOAL_UNDO_SCHEMA_V9 SHOAL_UNDO_SCHEMA_V8 "PRAGMA user_version = 7;";

// The list hash of a moved list is the list itself: unique per list, which
// is all a test needs (a real v6 store holds its XXH3-128).
const char* const kUndoSchemaV7 = SHOAL_UNDO_SCHEMA_V9 SHOAL_UNDO_SCHEMA_V8
    "INSERT INTO block_lists(list_hash, blocks, refs) "
    "  SELECT DISTINCT blocks, blocks, 0 FROM files WHERE blocks IS NOT NULL; "
    "UPDATE files SET block_list = (SELECT id FROM block_lists b "
    "  WHERE b.list_hash = files.blocks), blocks = NULL WHERE blocks IS NOT NULL; "
    "DROP INDEX files_by_block_list; ALTER TABLE files DROP COLUMN blocks; "
    "PRAGMA user_version = 6;";

}  // namespace shoal::testing
