#include "core/store/transaction.h"

#include <utility>

namespace shoal {

// One savepoint name suffices: SQLite resolves RELEASE/ROLLBACK TO to the
// innermost savepoint of that name, which matches RAII scope nesting.
Result<Transaction> Transaction::Begin(Database& db) {
  bool nested = db.InTransaction();
  auto ok = db.Exec(nested ? "SAVEPOINT shoal_tx" : "BEGIN IMMEDIATE");
  if (!ok) return ok.error().Wrap("begin transaction");
  return Transaction(&db, nested);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), nested_(other.nested_) {}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  if (nested_) {
    (void)db_->Exec("ROLLBACK TO shoal_tx; RELEASE shoal_tx");
    db_->SavepointRolledBack();
  } else {
    (void)db_->Exec("ROLLBACK");
  }
}

Result<void> Transaction::Commit() {
  SHOAL_CHECK(db_ != nullptr, "Commit on a finished transaction");
  auto ok = db_->Exec(nested_ ? "RELEASE shoal_tx" : "COMMIT");
  if (!ok) return ok.error().Wrap("commit");
  db_ = nullptr;
  return {};
}

}  // namespace shoal
