// Scanner: brings the local device's index of one folder in line with the
// disk (DESIGN.md "Change detection"). It walks the folder through the
// FileSystem, compares each entry with the index by type, size, mtime (ns),
// inode and permissions, re-chunks and re-hashes only files that changed (on
// a worker pool), and commits the changes in batched transactions: every
// changed entry gets a new local sequence and a bumped version vector, and
// every indexed name that is gone becomes a tombstone.
//
// What it never does: follow a symlink (the target is recorded), index a
// special file, a name that is not valid UTF-8, or anything .shoalignore or
// the built-in ignores exclude. Those are reported as problems, and the rest
// of the scan goes on. A name that cannot be read (permission denied) keeps
// its previous index entry; so does a file that kept changing while it was
// read, which is returned in `unstable` for the caller to retry once it
// settles.
//
// A scan fails, changing nothing, when the folder root is missing or is not
// a directory (an unmounted disk must not read as "everything deleted") or
// when .shoalignore cannot be read and no earlier rules are known (with
// ScanConfig::ignore_rules, the last good rules apply instead and the reason
// is reported as a problem).
//
// A caller with an event loop splits a scan at its slow step: Plan (walk and
// diff, reads the index), ScanPlan::Hash (reads files only: any thread, with
// live progress), Finish (commits). Nothing may change the local device's
// entries of the folder between Plan and Finish (the daemon holds back its
// puller meanwhile).
//
// Thread: Scanner, Plan, Finish and FinishStep run on the Index's thread,
// one scan at a time per Index. Plan only reads the index, so a Scanner made
// on a second, read-only connection (Index::OpenReader) may Plan on another
// thread, and one on the writer's connection Finish the plan it made. ScanPlan::Hash may run on
// another thread (one at a time per plan; the daemon's hashing thread) while the Index's thread
// goes on, and fans out over a ParallelFor pool of hash_threads; it touches only the plan and the
// FileSystem, never the Index. ScanProgress is atomics, read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/clock.h"
#include "core/fs/file_system.h"
#include "core/scan/ignore_file.h"
#include "core/store/index.h"

namespace shoal {

// A file modified less than this long before the scanner read it may still
// change without its mtime moving (timestamps advance in kernel ticks, up to
// a second on some filesystems); see Scanner::AcceptHashed.
inline constexpr std::chrono::nanoseconds kRacyWindow = std::chrono::seconds(2);

struct ScanConfig {
  FolderKey folder_key;
  DeviceKey local_device_key;
  std::uint64_t local_short_id = 0;        // DeviceId::ShortId() of this device
  std::uint64_t hash_seed = 0;             // the folder's block ID seed
  int hash_threads = 1;                    // DefaultWorkerThreads() in the daemon
  std::size_t batch_size = 1000;           // entries per index transaction
  std::size_t stream_plan_entries = 1000;  // changed entries per ScanStream plan
  int read_attempts = 3;                   // tries before a changing file is "unstable"
  // The folder's rules in force (last good kept); null reads .shoalignore
  // afresh and fails the scan when it cannot.
  IgnoreRules* ignore_rules = nullptr;
  // Directories the puller keeps owner-writable until their children have
  // arrived: on disk they read as (indexed mode | 0700), which is no change.
  std::set<std::string> held_dirs = {};
  // Plan stops walking once this is true (may be null) and fails with
  // kCancelled, changing nothing.
  const std::atomic<bool>* cancel = nullptr;
};

enum class ScanProblemKind {
  kPermissionDenied,
  kInvalidName,       // not valid UTF-8: skipped
  kSpecialFile,       // FIFO, socket, device: skipped
  kCaseConflict,      // two names in a directory differ only in case
  kChangedWhileRead,  // kept changing; listed in `unstable`
  kIo,
};

// kPermissionDenied for kUnauthorized errors, kIo for anything else.
ScanProblemKind ProblemKindOf(const Error& error);

struct ScanProblem {
  ScanProblemKind kind;
  std::string path;
  std::string message;
};

inline constexpr std::int64_t kRemovedFileReportBytes = std::int64_t{1} << 20;
inline constexpr std::size_t kRemovedFilesReported = 64;

struct ScanResult {
  std::int64_t files = 0;        // regular files present
  std::int64_t directories = 0;  // directories present (root excluded)
  std::int64_t symlinks = 0;
  std::int64_t bytes = 0;    // total size of the files present
  std::int64_t changed = 0;  // entries added or updated in the index
  std::int64_t deleted = 0;  // tombstones written
  std::int64_t hashed_files = 0;
  std::int64_t hashed_bytes = 0;
  std::int64_t hashed_blocks = 0;
  std::vector<ScanProblem> problems;
  std::vector<std::string> unstable;
  // Files modified within kRacyWindow of being read: indexed, but to be
  // read again once that window has passed (the daemon schedules it).
  std::vector<std::string> racy;
  // Files of at least kRemovedFileReportBytes that became tombstones (at
  // most kRemovedFilesReported of them): a file added meanwhile may be one
  // renamed, and its index entry can name the old one as its base
  // (core/model/block_delta.h).
  std::vector<std::string> removed_files;
  // Directories the walk found a puller's temp file in (WalkOutput).
  std::set<std::string> temp_dirs;
  // The walk covered the whole folder, so temp_dirs holds every directory
  // with a temp file in it.
  bool walked_all = false;
  std::chrono::nanoseconds elapsed{0};
  // Where the time went: walking + index lookup, hashing, index commit.
  std::chrono::nanoseconds walk_time{0};
  std::chrono::nanoseconds hash_time{0};
  std::chrono::nanoseconds commit_time{0};
};

// Live figures of a ScanPlan::Hash in progress, readable from any thread;
// `cancel` stops it soon (the files not read yet are left as they were).
struct ScanProgress {
  std::atomic<std::int64_t> files_done{0};
  std::atomic<std::int64_t> bytes_done{0};  // read so far (re-reads count again)
  // What there is to read, as far as it is known (a ScanStream adds to it
  // as it goes).
  std::atomic<std::int64_t> files_total{0};
  std::atomic<std::int64_t> bytes_total{0};
  std::atomic<bool> cancel{false};
};

struct FoundEntry;  // core/scan/walk.h
struct HashedFile;  // core/scan/file_hasher.h

// A scan between Scanner::Plan and Scanner::Finish.
class ScanPlan {
 public:
  ScanPlan(ScanPlan&&) noexcept;
  ScanPlan& operator=(ScanPlan&&) noexcept;
  ~ScanPlan();

  std::int64_t files_to_hash() const;
  std::int64_t bytes_to_hash() const;
  // Indexed regular files the walk no longer found: the tombstones this
  // plan will commit for files (the mass-delete brake weighs them).
  std::int64_t files_to_delete() const;
  // Reads and hashes the changed files. Touches only the FileSystem, which
  // allows concurrent reads: safe on another thread. `progress` may be null.
  void Hash(ScanProgress* progress);

 private:
  friend class Scanner;
  friend class ScanStream;
  struct State;
  explicit ScanPlan(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class ScanStream;  // core/scan/scan_stream.h

// Adds a later part of the same scan (a ScanStream's plan) to `into`;
// `elapsed` is left to the caller (the parts overlap in time).
void MergeScanResult(ScanResult& into, ScanResult&& part);

class Scanner {
 public:
  Scanner(FileSystem& fs, Index& index, Clock& clock, ScanConfig config)
      : fs_(fs), index_(index), clock_(clock), config_(config) {}

  // The whole folder.
  Result<ScanResult> ScanAll();
  // Only these paths and what is beneath them (from the watcher). A path
  // that no longer exists turns its indexed entries into tombstones.
  Result<ScanResult> ScanPaths(std::span<const std::string> paths);

  // ScanPaths in three steps (see the top of this file).
  Result<ScanPlan> Plan(std::span<const std::string> paths);
  // The whole folder as a sequence of plans, in bounded memory
  // (core/scan/scan_stream.h); the stream reads through this Scanner's
  // index and must not outlive it or its FileSystem.
  Result<ScanStream> Stream();
  Result<ScanResult> Finish(ScanPlan plan);
  // Finish one index transaction (batch_size entries) at a time, so that an
  // event loop can run between steps: nullopt until the last one, which
  // returns the result. The plan must outlive the steps.
  // `max_entries` (0: the config's batch_size) bounds this step's batch.
  Result<std::optional<ScanResult>> FinishStep(ScanPlan& plan, std::size_t max_entries = 0);

 private:
  friend class ScanStream;
  // The root exists and is a directory; the config matches the index.
  Result<void> CheckPreconditions();
  // The ignore rules for this scan (the last good ones, with a problem
  // saying so, when .shoalignore cannot be read).
  Result<IgnoreMatcher> LoadRules(std::vector<ScanProblem>& problems);
  // Turns one successful read into an index change (or a verification).
  Result<void> AcceptHashed(const FoundEntry& found, HashedFile&& hashed,
                            const std::unordered_map<std::string, FileInfo>& indexed,
                            std::vector<FileInfo>& changes, ScanResult& result);
  // Decides the versions of a batch of changes about to be committed.
  Result<void> DecideVersions(const std::unordered_map<std::string, FileInfo>& indexed,
                              std::span<FileInfo> changes);

  FileSystem& fs_;
  Index& index_;
  Clock& clock_;
  ScanConfig config_;
};

}  // namespace shoal
