// Database: sole owner of one sqlite3 connection, opened in WAL mode with
// synchronous=NORMAL (a commit is durable once the WAL is synced at the next
// checkpoint; a crash loses at most the last transactions, never consistency),
// a busy timeout, and foreign keys on. Move-only; the destructor finalizes
// every cached statement and then closes the connection.
//
// Thread: a Database is used by one thread at a time (SQLite's default
// serialized mode makes misuse safe but slow); the owner decides which.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/base/result.h"
#include "core/store/statement.h"

namespace shoal {

class Database {
 public:
  // Creates the file if missing. `path` ":memory:" opens a private in-memory db.
  static Result<Database> Open(const std::string& path);

  Database(Database&& other) noexcept = default;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (schema, pragmas).
  Result<void> Exec(const char* sql);
  // Returns the cached prepared statement for `sql`, reset and unbound.
  // The pointer stays valid as long as the Database. `sql` is normally a
  // constant from core/store/schema.cc: the cache is keyed by its address
  // (no hashing of long SQL text on hot paths) and checks the text, so a
  // temporary string reusing an address is prepared anew, not confused.
  Result<Statement*> Prepare(const char* sql);

  std::int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Error LastError(std::string_view what) const;

  // Declared before the cache so that, in a defaulted move, the connection
  // moves first; the destructor clears the cache explicitly before closing.
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
  struct Cached {
    std::string sql;
    std::unique_ptr<Statement> statement;
  };
  std::unordered_map<const char*, Cached> cache_;
};

}  // namespace shoal
