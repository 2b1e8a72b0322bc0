// Transaction: RAII scope for a write transaction that rolls back unless
// Commit() succeeded. Nests: the outermost scope is BEGIN IMMEDIATE (takes
// the write lock up front, so it cannot fail half-way on a lock upgrade);
// inner scopes are SAVEPOINTs, so a store method can be called on its own or
// inside a caller's larger transaction and stay atomic either way.
#pragma once

#include "core/base/result.h"
#include "core/store/database.h"

namespace shoal {

class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back if not committed; rollback errors are dropped (destructors do
  // not fail) and SQLite then rolls back on close anyway.
  ~Transaction();

  Result<void> Commit();

 private:
  Transaction(Database* db, bool nested) : db_(db), nested_(nested) {}

  Database* db_;  // not owned; null once committed or moved from
  bool nested_;
};

}  // namespace shoal
