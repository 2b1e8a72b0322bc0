// Statement: sole owner of one prepared sqlite3_stmt; finalized in the
// destructor. Move-only. Usually obtained from Database::Prepare, which
// caches it: one cached statement must not be stepped by two callers at once
// (finish one iteration before starting another with the same SQL).
//
// Binding and column access use 1-based parameter indexes and 0-based column
// indexes, as SQLite does. A bind that SQLite rejects is a programming error
// (wrong index or type) and aborts; stepping reports errors as values.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal {

// The Error code for an SQLite result code (primary codes; extended ones are
// off): busy/locked -> kBusy, corrupt/not-a-db -> kCorrupt, constraint ->
// kConflict, anything else -> kIo.
ErrorCode ErrorCodeFromSqlite(int rc);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, ByteSpan blob);
  Statement& BindNull(int index);

  // Advances; true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Result<void> Run();
  // Clears bindings and rewinds, ready for reuse.
  void Reset();

  std::int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  // Valid until the next Step/Reset.
  ByteSpan ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;
  // Virtual machine steps since the last call (counted by Database).
  std::int64_t TakeVmSteps() { return sqlite3_stmt_status(stmt_, SQLITE_STMTSTATUS_VM_STEP, 1); }

 private:
  Error StepError(int rc) const;

  sqlite3* db_ = nullptr;  // not owned; outlives the statement (Database)
  sqlite3_stmt* stmt_ = nullptr;
};

// ScopedStatement: a cached Statement lent for one use by Database::Prepare.
// Resets it (rewinds, clears bindings, ends its read) when it goes out of
// scope, on every path: an early return never leaves a read cursor open.
// Move-only; reach the statement with -> or *.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement* statement) : statement_(statement) {}
  ScopedStatement(ScopedStatement&& other) noexcept
      : statement_(std::exchange(other.statement_, nullptr)) {}
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;
  ~ScopedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }
  Statement* get() const { return statement_; }

 private:
  Statement* statement_;
};

}  // namespace shoal
