#include "core/store/statement.h"

#include <utility>

namespace shoal {

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

// sqlite3_finalize only repeats the last step's error, already reported.
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, std::int64_t value) {
  SHOAL_CHECK(sqlite3_bind_int64(stmt_, index, value) == SQLITE_OK, "sqlite3_bind_int64");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  SHOAL_CHECK(rc == SQLITE_OK, "sqlite3_bind_text");
  return *this;
}

Statement& Statement::BindBlob(int index, ByteSpan blob) {
  // A zero-length blob with a null pointer would bind NULL; keep it a blob.
  static const std::uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  int rc = sqlite3_bind_blob(stmt_, index, data, static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  SHOAL_CHECK(rc == SQLITE_OK, "sqlite3_bind_blob");
  return *this;
}

Statement& Statement::BindNull(int index) {
  SHOAL_CHECK(sqlite3_bind_null(stmt_, index) == SQLITE_OK, "sqlite3_bind_null");
  return *this;
}

ErrorCode ErrorCodeFromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kBusy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kCorrupt;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    default:
      return ErrorCode::kIo;
  }
}

Error Statement::StepError(int rc) const {
  return Error{ErrorCodeFromSqlite(rc), std::string("sqlite: ") + sqlite3_errmsg(db_)};
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StepError(rc);
}

Result<void> Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);  // returns the last step's error, already reported
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), size);
}

ByteSpan Statement::ColumnBlob(int col) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  int size = sqlite3_column_bytes(stmt_, col);
  return data == nullptr ? ByteSpan() : ByteSpan(data, static_cast<std::size_t>(size));
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

}  // namespace shoal
