#include "core/store/database.h"

#include "core/base/check.h"

namespace shoal {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kAutoCheckpointFrames = 1000;  // SQLite's default

// SQLite's memory statistics take a process-wide mutex on every malloc and
// free it makes (about 8% of the loop's CPU while 100,000 entries were
// stored: docs/performance.md); nothing here reads them. Only possible
// before SQLite initialises, so once, before the first connection opens; if
// something initialised it earlier, the statistics stay on, which is only
// slower.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)configured;
}

}  // namespace

void Database::Closer::operator()(sqlite3* db) const {
  // Every statement is finalized by now (the cache is cleared first), so
  // close succeeds; v2 defers the close instead of failing if one leaked.
  sqlite3_close_v2(db);
}

Result<Database> Database::Open(const std::string& path) {
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw, path);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Fail(ErrorCode::kIo, "open '" + path + "': " + msg);
  }
  sqlite3_extended_result_codes(raw, 0);
  if (sqlite3_busy_timeout(raw, kBusyTimeoutMs) != SQLITE_OK) return db.LastError("busy timeout");
  // journal_mode returns a row, so it goes through Exec's callback-less path;
  // an in-memory database reports "memory", which is fine.
  // synchronous=FULL: a commit returns once the WAL is on disk. With NORMAL
  // a power loss could roll back commits whose sequence numbers peers had
  // already been sent; the next changes would reuse those numbers and the
  // peers, believing they held them, would silently miss them. DeferredSync
  // relaxes it for writes that can be redone, and SyncDeferred() puts them
  // on disk before their sequences leave the process.
  auto pragmas =
      db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!pragmas) return pragmas.error().Wrap("open '" + path + "'");
  return db;
}

Result<Database> Database::OpenReadOnly(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return Fail(ErrorCode::kInvalidArgument, "an in-memory database has no second connection");
  }
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw, path);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Fail(ErrorCode::kIo, "open '" + path + "' to read: " + msg);
  }
  sqlite3_extended_result_codes(raw, 0);
  if (sqlite3_busy_timeout(raw, kBusyTimeoutMs) != SQLITE_OK) return db.LastError("busy timeout");
  auto pragmas = db.Exec("PRAGMA query_only=1;");
  if (!pragmas) return pragmas.error().Wrap("open '" + path + "' to read");
  return db;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.clear();
    db_ = std::move(other.db_);
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
    vm_steps_ = other.vm_steps_;
    rollback_hook_ = other.rollback_hook_;
    rollback_context_ = other.rollback_context_;
    deferring_ = other.deferring_;
    sync_pending_ = other.sync_pending_;
    commit_hook_ = nullptr;
    commit_context_ = nullptr;
    if (db_) SetCommitHook(other.commit_hook_, other.commit_context_);
    wal_hook_ = nullptr;
    wal_context_ = nullptr;
    if (db_ && other.wal_hook_ != nullptr) SetWalHook(other.wal_hook_, other.wal_context_);
    other.commit_hook_ = nullptr;
    other.commit_context_ = nullptr;
    other.wal_hook_ = nullptr;
    other.wal_context_ = nullptr;
  }
  return *this;
}

Database::Database(Database&& other) noexcept
    : db_(std::move(other.db_)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)),
      vm_steps_(other.vm_steps_),
      rollback_hook_(other.rollback_hook_),
      rollback_context_(other.rollback_context_),
      deferring_(other.deferring_),
      sync_pending_(other.sync_pending_) {
  if (db_) SetCommitHook(other.commit_hook_, other.commit_context_);
  if (db_ && other.wal_hook_ != nullptr) SetWalHook(other.wal_hook_, other.wal_context_);
  other.commit_hook_ = nullptr;
  other.commit_context_ = nullptr;
  other.wal_hook_ = nullptr;
  other.wal_context_ = nullptr;
}

Result<bool> Database::TrimIdle() {
  if (InTransaction()) return false;
  // No busy handler: a checkpoint that would wait for a reader gives up
  // at once instead of holding the caller's thread.
  sqlite3_busy_timeout(db_.get(), 0);
  int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  sqlite3_db_release_memory(db_.get());
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return false;
  if (rc != SQLITE_OK) return LastError("checkpoint");
  return true;
}

void Database::SetWalHook(void (*hook)(void* context, int frames), void* context) {
  wal_hook_ = hook;
  wal_context_ = context;
  if (hook == nullptr) {
    sqlite3_wal_autocheckpoint(db_.get(), kAutoCheckpointFrames);
    return;
  }
  // Reached through `this`: a move registers the hook again.
  sqlite3_wal_hook(
      db_.get(),
      [](void* self, sqlite3*, const char*, int frames) {
        auto* db = static_cast<Database*>(self);
        db->wal_hook_(db->wal_context_, frames);
        return SQLITE_OK;
      },
      this);
}

Result<Database::CheckpointDone> Database::Checkpoint() {
  CheckpointDone done;
  int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                     &done.log_frames, &done.copied_frames);
  // Another checkpoint is running (the idle trim): it copies what this one
  // would have; nothing is known of the log's length.
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return CheckpointDone{1, 0};
  if (rc != SQLITE_OK) return LastError("checkpoint");
  return done;
}

Result<void> Database::SyncDeferred() {
  if (!sync_pending_) return {};
  // The log's own file, through SQLite's VFS: the same sync a FULL commit
  // ends with, without a transaction or a checkpoint's extra writes.
  sqlite3_file* wal = nullptr;
  int rc = sqlite3_file_control(db_.get(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc == SQLITE_OK && wal != nullptr && wal->pMethods != nullptr) {
    rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  }
  if (rc != SQLITE_OK) {
    return Fail(ErrorCodeFromSqlite(rc),
                "sync the write-ahead log of '" + path_ + "': " + sqlite3_errstr(rc));
  }
  // Commits made since the scope opened may still be pending while it is.
  sync_pending_ = deferring_;
  return {};
}

DeferredSync::DeferredSync(Database& db) {
  if (db.deferring_ || db.InTransaction()) return;
  if (!db.Exec("PRAGMA synchronous=NORMAL")) return;  // stays FULL: only slower
  db.deferring_ = true;
  db.sync_pending_ = true;
  db_ = &db;
}

DeferredSync::~DeferredSync() {
  if (db_ == nullptr) return;
  db_->deferring_ = false;
  // Cannot fail outside a transaction, and none is open: every transaction
  // begun in this scope has ended with it (Transaction is scoped too).
  auto ok = db_->Exec("PRAGMA synchronous=FULL");
  SHOAL_CHECK(static_cast<bool>(ok), "restoring synchronous=FULL failed");
}

Database::~Database() { cache_.clear(); }

std::int64_t Database::VmSteps() {
  for (auto& [sql, stmt] : cache_) vm_steps_ += stmt->TakeVmSteps();
  return vm_steps_;
}

Error Database::LastError(std::string_view what) const {
  std::string msg(what);
  msg.append(": ").append(db_ ? sqlite3_errmsg(db_.get()) : "no connection");
  int rc = db_ ? sqlite3_errcode(db_.get()) : SQLITE_MISUSE;
  return Error{ErrorCodeFromSqlite(rc), std::move(msg)};
}

Result<void> Database::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  ErrorCode code = rc == SQLITE_BUSY                               ? ErrorCode::kBusy
                   : (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? ErrorCode::kCorrupt
                                                                   : ErrorCode::kIo;
  return Fail(code, "sqlite: " + msg);
}

Result<ScopedStatement> Database::Prepare(const char* sql) {
  auto it = cache_.find(std::string_view(sql));
  if (it != cache_.end()) {
    vm_steps_ += it->second->TakeVmSteps();
    it->second->Reset();
    return ScopedStatement(it->second.get());
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return LastError(std::string("prepare '") + sql + "'");
  auto owned = std::make_unique<Statement>(db_.get(), stmt);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return ScopedStatement(raw);
}

}  // namespace shoal
