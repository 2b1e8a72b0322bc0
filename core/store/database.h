// Database: sole owner of one sqlite3 connection, opened in WAL mode with
// synchronous=FULL (a commit is durable when it returns, even across a power
// loss), a busy timeout, and foreign keys on. A DeferredSync scope lets a
// burst of commits skip their WAL syncs; SyncDeferred() then puts them on
// disk before anything that depends on them leaves the process (an
// announced sequence number is never rolled back and reused). Move-only;
// the destructor finalizes every cached statement and then closes the
// connection.
//
// Thread: one thread at a time, and the owner must ensure it: the connection
// is opened with SQLITE_OPEN_NOMUTEX (multi-thread mode), so concurrent use
// of one connection corrupts memory rather than serializing.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/base/result.h"
#include "core/store/statement.h"

namespace shoal {

class Database {
 public:
  // Creates the file if missing. `path` ":memory:" opens a private in-memory db.
  static Result<Database> Open(const std::string& path);
  // A second connection to an existing database that only reads
  // (query_only): another thread's view of it, each statement a consistent
  // snapshot (WAL). Fails for ":memory:", which no other connection can see.
  static Result<Database> OpenReadOnly(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (schema, pragmas).
  Result<void> Exec(const char* sql);
  // Lends the cached prepared statement for `sql`, reset and unbound; it is
  // reset again when the returned guard goes out of scope. Cached
  // statements are never replaced. Keyed by the SQL text (looked up without
  // allocating). One user at a time per SQL text: a nested Prepare of the
  // same text resets the outer user's statement.
  Result<ScopedStatement> Prepare(const char* sql);

  std::int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  // SQLite virtual machine steps run by the cached statements so far: the
  // work done, aggregates and scans included (tests guard linearity by it).
  std::int64_t VmSteps();

  // Calls `hook(context)` whenever a transaction rolls back (explicitly or
  // on an error), and when a nested Transaction rolls back to its savepoint
  // (SQLite's own hook does not fire for ROLLBACK TO). One hook per
  // connection; `context` must outlive it.
  void SetRollbackHook(void (*hook)(void*), void* context) {
    rollback_hook_ = hook;
    rollback_context_ = context;
    sqlite3_rollback_hook(db_.get(), hook, context);
  }
  // A savepoint was rolled back (Transaction): runs the rollback hook.
  void SavepointRolledBack() {
    if (rollback_hook_ != nullptr) rollback_hook_(rollback_context_);
  }
  // Calls `hook(context)` whenever a transaction is about to commit (the
  // commit goes ahead). One hook per connection; `context` must outlive it.
  void SetCommitHook(void (*hook)(void*), void* context) {
    commit_hook_ = hook;
    commit_context_ = context;
    if (hook == nullptr) {
      sqlite3_commit_hook(db_.get(), nullptr, nullptr);
      return;
    }
    sqlite3_commit_hook(
        db_.get(),
        [](void* self) {
          auto* db = static_cast<Database*>(self);
          db->commit_hook_(db->commit_context_);
          return 0;
        },
        this);
  }
  // For when the owner has gone idle: copies the WAL into the database
  // file and truncates it to zero bytes, then frees this connection's page
  // cache, so that what stays on disk and in memory is what the data needs
  // rather than what the last burst of writes left. Waits for nobody:
  // while another connection reads a snapshot (or a transaction is open
  // here) it returns false and the WAL keeps its size (SQLite may have
  // copied some of it into the database file already; nothing is lost).
  Result<bool> TrimIdle();
  const std::string& path() const { return path_; }

  // Replaces SQLite's automatic checkpoint (every 1,000 frames, inline in
  // the commit that crosses it): after each commit, `hook(context, frames)`
  // is told the log's length in frames. A null hook restores the automatic
  // checkpoint. One hook per connection; `context` must outlive it.
  void SetWalHook(void (*hook)(void* context, int frames), void* context);
  // A passive checkpoint: copies into the database file what no reader
  // still needs, syncing the log first and the file after, and waits for
  // nobody. Meant for a second connection on another thread, so that the
  // writer's thread does not do the copying. When the whole log is in the
  // file, the next commit starts the log over.
  struct CheckpointDone {
    int log_frames = 0;     // the log's length
    int copied_frames = 0;  // how many of them are in the file now
    bool whole() const { return copied_frames == log_frames; }
  };
  Result<CheckpointDone> Checkpoint();

  // A request from whoever checkpoints the log that bulk writers (a scan's
  // commit steps) pause for a moment, so that a checkpoint can copy the
  // whole log and the log can start over. Not a lock: other writes go on.
  void HoldWrites(bool held) { writes_held_ = held; }
  bool writes_held() const { return writes_held_; }

  // Puts the write-ahead log on disk if a commit made inside a DeferredSync
  // scope may not be there yet; otherwise does nothing. Commits reach the
  // log in order, so after this every commit so far survives a power loss.
  Result<void> SyncDeferred();
  bool sync_pending() const { return sync_pending_; }

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
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<Statement>, TextHash, std::equal_to<>> cache_;
  std::int64_t vm_steps_ = 0;
  void (*rollback_hook_)(void*) = nullptr;
  void* rollback_context_ = nullptr;
  // Reached through `this` from SQLite's hook: set again after a move.
  void (*commit_hook_)(void*) = nullptr;
  void* commit_context_ = nullptr;
  void (*wal_hook_)(void*, int) = nullptr;
  void* wal_context_ = nullptr;
  bool writes_held_ = false;
  bool deferring_ = false;     // inside a DeferredSync scope
  bool sync_pending_ = false;  // a commit may have returned before its WAL sync

  friend class DeferredSync;
};

// DeferredSync: while it lives, commits on `db` return without waiting for
// the disk (synchronous=NORMAL). The write-ahead log keeps them in order, so
// a power loss can take back only the newest of them, never leave a gap and
// never corrupt the store; a crash of the process loses nothing. For writes
// that can be redone after such a loss (a scan's entries: the next scan
// finds the same changes; a peer's index: it is asked for again from the
// stored sequence, which is rolled back with the entries). Opened outside
// any transaction (SQLite refuses to change the setting inside one); nested
// or opened inside a transaction, it changes nothing.
class DeferredSync {
 public:
  explicit DeferredSync(Database& db);
  ~DeferredSync();
  DeferredSync(const DeferredSync&) = delete;
  DeferredSync& operator=(const DeferredSync&) = delete;

 private:
  Database* db_ = nullptr;  // null when this scope changed nothing
};

}  // namespace shoal
