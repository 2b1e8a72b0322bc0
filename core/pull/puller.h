// Puller: makes the disk hold the global version of every name the local
// device needs (DESIGN.md "Puller"), then records it in the local index.
//
// A pass (Run) takes the needed entries from the store in this order:
// directories to create (parents first), then files and symlinks (small
// before large), then deletions (files, then directories deepest first), so
// content about to be deleted is still there to be reused or renamed.
//
// Files are assembled in ".shoal.tmp.<name>" beside the target: blocks
// already in a partial temp file (verified), blocks of the local old
// version or anywhere else in the folder (block-location index, verified),
// then the rest from the BlockSource, each verified before it is written.
// A needed add whose content equals a needed delete's becomes a rename.
//
// Finished files are applied in durable batches: set metadata and fsync
// every temp file, or with group_syncs one syncfs for the files assembled
// together (on a thread pool in the daemon: SetSyncOffload); once a
// batch is full or no other file is on its way, re-check each target
// against the local index (a local change not yet scanned makes the file
// wait for a rescan: never an overwrite), move a concurrent local version
// aside as a conflict copy, move what is still replaced into
// .shoal/versions (VersionArchive; its directories fsynced once per
// batch), rename into place, fsync the directories, then commit the index
// in one transaction. A deleted file or symlink is moved into
// .shoal/versions too, never unlinked. A crash anywhere leaves each target
// old or new, never mixed; temp files are reused by the next run.
//
// One failing name never stops the rest: a per-entry error (the disk said
// no: permission, name too long, disk full, a bad symlink) is recorded in
// PullFailures with its reason, the name waits out its backoff (10 s
// doubling to 1 h, afresh on a new global version) and every other name
// goes on. Only store errors abort a pass.
//
// Disk space: before a file is assembled, the filesystem must have its
// size (less what a resumed temp file holds), plus what the files already
// being assembled have still to write, plus a floor free (1% of the
// filesystem or 1 GiB, whichever is smaller). A file that does not fit, or
// that hits ENOSPC while written, fails with "disk full": its temp file is
// removed, so the space goes to the files that fit, and it is retried with
// the backoff (blocks still held locally are reused then).
//
// Directories are created owner-writable (mode | 0700) and get their own
// mode once nothing beneath them is pending, so a 0555 directory can still
// receive its files; until then the scanner is told to hold them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/clock.h"
#include "core/base/offload.h"
#include "core/fs/file_system.h"
#include "core/pull/block_source.h"
#include "core/pull/pull_failures.h"
#include "core/scan/ignore_file.h"
#include "core/store/index.h"

namespace shoal {

// Steps of finishing a batch, for fault injection in tests.
enum class PullStep { kAfterWrite, kAfterSync, kAfterRename, kBeforeCommit };

struct PullerConfig {
  std::size_t batch_files = 64;           // files per durable batch
  std::int64_t batch_bytes = 64ll << 20;  // or this much data
  std::int64_t plan_size = 2000;          // needed names planned from (a page)
  // Changes of the need list held for the next pass before it starts over
  // from the list itself (core/store/need_journal.h).
  std::size_t need_journal_cap = kNeedJournalCap;
  std::size_t max_files = 64;  // files assembled at once (blocks still to come)
  // Files held at once, each with its temp file open: those assembling and
  // those assembled that wait for their sync or their batch. Fetching goes
  // on while a batch syncs and is placed: 20,000 small files arrived in
  // 9.4 s instead of 15.7 s with all of them held to max_files
  // (docs/performance.md).
  std::size_t max_held = 256;
  // Temp-file fsyncs started in one pass at most, and running at once on
  // the sync offload (0: no bound). Inline, a batch then finishes over
  // several passes, so that one pass, which holds the daemon's loop, costs
  // a few fsyncs rather than 64; offloaded, the loop waits for none and
  // this bounds what the fsyncs take of the thread pool.
  std::size_t syncs_per_pass = 0;
  // Files assembled together are synced together, up to batch_files in one
  // task on the sync offload (files under kGroupSyncMaxFileBytes; larger
  // ones alone): one WritableFile::SyncFileSystem (syncfs)
  // for all of them where the file system honours it, instead of an fsync
  // each (ext4 commits its journal once instead of once per file). The
  // daemon turns it on; syncs_per_pass then bounds the tasks.
  bool group_syncs = false;
  // Left free on the disk beyond a file's size: the smaller of these two.
  std::int64_t min_free_bytes = 1ll << 30;
  std::int64_t min_free_percent = 1;
  // Bytes copied from blocks found locally in one pass (a pass holds the
  // daemon's loop); a file made of many local blocks fills over passes.
  std::int64_t fill_bytes_per_pass = 16ll << 20;
  // Group and other bits cleared from modes applied from peers (LocalMode);
  // the daemon passes its umask.
  std::uint32_t umask = 0;
  // Test hook: called at each step; an error aborts the pass right there,
  // as a crash would (nothing after it happens).
  std::function<Result<void>(PullStep)> fault;
};

struct PullContext {
  FolderKey folder_key;
  DeviceKey local_device_key;
  std::uint64_t local_short_id = 0;
  std::uint64_t hash_seed = 0;
  // The folder's ignore rules, shared with its scanner (last good kept);
  // null reads .shoalignore afresh. Must outlive the Puller.
  IgnoreRules* ignore_rules = nullptr;
};

struct PullPass {
  std::int64_t applied = 0;         // entries committed to the index this pass
  std::int64_t conflicts = 0;       // conflict copies made
  std::int64_t renamed = 0;         // adds applied as local renames
  std::int64_t local_blocks = 0;    // blocks reused from local data
  std::int64_t resumed_blocks = 0;  // blocks an interrupted pull's temp file already held
  std::int64_t remote_blocks = 0;   // blocks received and written
  std::int64_t waiting = 0;         // files waiting for blocks no source has now
  std::int64_t ignored = 0;         // needed names this device ignores: skipped
  std::vector<std::string> rescan;  // changed locally under us: scan first
  std::vector<std::string> failed;  // "name: reason", retried after a backoff
  std::int64_t backing_off = 0;     // failed names left alone until their retry time
  bool unfinished = false;          // a batch is part way through its fsyncs: pass again
};

class Puller {
 public:
  Puller(FileSystem& fs, Index& index, Clock& clock, BlockSource& source, PullContext context,
         PullerConfig config);
  ~Puller();
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;

  Result<PullPass> Run();
  // Where assembled temp files are truncated, given their metadata and
  // fsynced (InlineOffload, in the pass, unless set): the daemon's thread
  // pool, so its loop never waits on the disk. `wake` is called on the loop
  // when such a sync has finished and a pass can place the file; passes go
  // on meanwhile. Set before the first pass; must outlive the Puller,
  // whose destruction waits for the syncs still running.
  void SetSyncOffload(Offload* offload, std::function<void()> wake);
  // Files being assembled or synced, or blocks in flight.
  bool Busy() const;
  // Needed entries this device would apply (the ignored ones excluded):
  // a walk of the whole need list.
  Result<std::int64_t> CountApplicable();
  // Whether CountApplicable would be above 0 (no name neither ignored nor
  // failing): one row read and the window in memory, unless the window is
  // all ignored or failing names and the need list goes on.
  Result<bool> HasApplicable();
  // Deletes ".shoal.tmp.*" files in `dir` ("" = the root; and beneath it
  // when `recursive`) that no file being assembled uses: leftovers of
  // versions no longer needed. Returns how many.
  Result<std::int64_t> RemoveStaleTemps(const std::string& dir, bool recursive);
  // Deletes the temp file `path` if it is still there, is not a directory
  // and no file being assembled uses it; returns 1 if it did.
  Result<std::int64_t> RemoveStaleTemp(const std::string& path);
  // At idle: the whole folder once (what an earlier run left), then the
  // directories a scan found temp files in and the temp files this puller
  // made and did not place, so that an update of one file never lists the
  // whole folder, and a pull of many files lists no directory at all.
  Result<std::int64_t> SweepTemps();
  // Directories a scan found temp files in (ScanResult::temp_dirs): swept
  // at the next idle pass. `walked_all`: the scan walked the whole folder,
  // so these are all there are and no sweep of the whole folder is needed.
  void NoteTempDirs(const std::set<std::string>& dirs, bool walked_all);
  // Names that failed and why, for status; when the next one is due.
  std::vector<PullFailure> Failures() const { return failures_.List(); }
  // When a pass is next due by the clock: a failed name's retry, or the
  // end of a held batch's window (kBatchWindowNs).
  std::optional<std::int64_t> NextRetryNanos() const;
  // Directories kept owner-writable until their children have arrived.
  std::set<std::string> HeldDirectories() const;
  // A name the puller wrote and committed (or gave its final mode), for
  // recognising its own writes (OwnWrites). A file renamed into place comes
  // with the disk's state taken right after the rename, before anyone else
  // could write to it; for the rest the caller stats the name.
  struct Written {
    std::string name;
    std::optional<FileStat> placed;
  };
  // What was written since the last call.
  std::vector<Written> TakeWritten() { return std::exchange(written_, {}); }

 private:
  struct Job;
  Result<void> Plan(PullPass& pass);
  std::int64_t fill_left_ = 0;  // of this pass's fill_bytes_per_pass
  // The free space read once this pass (CheckSpace) and what the pass's
  // local fills have written since.
  std::optional<DiskSpace> pass_space_;
  std::int64_t pass_written_ = 0;
  // What the held jobs claim of the free space, summed once this pass
  // (CheckSpace), and their temp files' inodes (OpenTemp): each reset
  // whenever the jobs change other than by a start.
  std::optional<std::int64_t> pass_claimed_;
  std::optional<std::unordered_multimap<std::uint64_t, std::string>> pass_inodes_;
  // Parent directories found (or made) writable this pass (EnsureParents).
  std::set<std::string> parents_ready_;
  // Takes the need journal's changes into the window, and marks the jobs
  // whose names they name for a version check.
  void ApplyNeedChanges();
  // Brings window_ up to date: the journal's changes, then more of the need
  // list while the window holds too little to work on.
  Result<void> RefreshWindow();
  bool Applicable(const NeededName& n, std::int64_t now);
  // The full global entries of `names` that are still needed.
  Result<std::vector<GlobalFile>> Fetch(const std::vector<const NeededName*>& names);
  // The ignore rules to pull with (built-ins only if none could ever be read:
  // the puller never overwrites what the index does not know anyway).
  IgnoreMatcher LoadRules();
  // The outcome of one entry's step: a store error (StoreFailed) is
  // returned and aborts the pass; any other error fails only `want`.
  Result<void> Isolate(const FileInfo& want, Result<void> done, PullPass& pass);
  void Failed(const FileInfo& want, const Error& error, PullPass& pass);
  // Marks `error` as the store's, for Isolate.
  Error StoreFailed(const Error& error);
  // Drops a job that failed (a full disk also loses its temp file).
  void DropFailedJob(Job& job, PullPass& pass);
  // Room for `f` (kNoSpace "disk full" when it does not fit).
  Result<void> CheckSpace(const FileInfo& f, const std::string& temp);
  // Gives held directories their own mode once nothing under them is pending.
  Result<void> ReleaseDirectories(PullPass& pass);
  Result<bool> PendingUnder(const std::string& dir);
  // puller_finish.cc: one file of a finished batch, in two steps: checked,
  // with what it replaces kept (PrepareFile), then renamed into place once
  // the kept versions are durable (RenameIntoPlace).
  struct Replacing {
    Job* job = nullptr;
    std::optional<std::string> old;  // where the replaced version went
  };
  Result<void> PrepareFile(Job& job, std::vector<FileInfo>& commits, std::set<std::string>& dirs,
                           std::vector<Replacing>& replacing, std::set<std::string>& kept_dirs,
                           PullPass& pass);
  using PlacedStats = std::map<std::string, FileStat>;  // by name, until committed
  Result<void> RenameIntoPlace(Job& job, const std::optional<std::string>& old,
                               std::vector<FileInfo>& commits, std::set<std::string>& dirs,
                               PlacedStats& placed_stats);
  // puller_apply.cc: what is applied without waiting for blocks.
  Result<void> ApplyDirectory(const GlobalFile& want, std::vector<FileInfo>& commits,
                              PullPass& pass);
  Result<void> ApplyDelete(const GlobalFile& want, std::vector<FileInfo>& commits, PullPass& pass);
  Result<void> StartFile(const GlobalFile& want, PullPass& pass);
  // StartFile's steps: a needed delete of the same content becomes the
  // temp file; the temp file is opened (and taken from any job that had it
  // under another name); blocks it already holds are kept (resume).
  Result<void> RenameSourceToTemp(Job& job, PullPass& pass);
  Result<FileStat> OpenTemp(Job& job);
  // When the local file already holds `want`'s content (seeded from a
  // backup, or a peer changed only the mode or mtime): records `want` as
  // the local version with at most a metadata change on disk, no rewrite.
  // False when the content differs or the disk no longer matches the index.
  Result<bool> ApplyMetadataOnly(const GlobalFile& want, std::vector<FileInfo>& commits);
  // Creates missing parent directories of `name` (0755; the entries of
  // needed directories set the real metadata).
  Result<void> EnsureParents(const std::string& name);
  // Makes an existing directory without owner write or search access
  // writable for now (held: its mode returns with ReleaseDirectories).
  Result<void> HoldWritable(const std::string& dir, const FileStat& st);
  // Copies blocks found elsewhere in the folder into `job`, from where the
  // last call stopped, until the pass's fill budget is spent.
  Result<void> FillLocally(Job& job, PullPass& pass);
  void RequestMissing(Job& job, PullPass& pass);
  void OnBlock(const std::string& name, const VersionVector& version, std::size_t index,
               Result<Bytes> data);
  // puller_finish.cc: the batch steps, in order (FinishBatch runs them).
  Result<void> FinishBatch(PullPass& pass);
  // Step 1: every assembled temp file is truncated, given its metadata and
  // synced on the sync offload, in tasks of one file (or of up to
  // batch_files with group_syncs), at most syncs_per_pass tasks at once; a
  // file that fails is marked and dropped by the next pass. Whether any
  // assembled file is still to be synced (started or not).
  Result<bool> StartSyncs(PullPass& pass);
  static bool AwaitsSync(const Job& job);  // assembled; its sync neither done nor under way
  // The assembled files awaiting their sync, as the tasks that sync them.
  std::vector<std::vector<Job*>> SyncTasks();
  void StartSync(const std::vector<Job*>& group);
  // On the loop, once a task is done: each file's outcome.
  void OnSynced(const std::vector<std::string>& names, const std::vector<Result<void>>& synced);
  // Synced files, up to the batch limits; `full` when a limit was reached.
  std::vector<Job*> SyncedBatch(bool& full);
  // Offloaded: whether a synced batch that is not full waits for more,
  // because more is on its way (a sync running or to start, a block
  // awaited, a fill going on) and its first file has waited less than
  // kBatchWindowNs. Inline, only syncs still to run hold it.
  bool HoldBatch(const std::vector<Job*>& batch, bool syncs_pending);
  // Step 2: PrepareFile each, make the kept versions durable, then
  // RenameIntoPlace; the jobs are done afterwards whatever happened.
  Result<void> PlaceBatch(const std::vector<Job*>& batch, std::vector<FileInfo>& commits,
                          std::set<std::string>& dirs, PlacedStats& placed_stats, PullPass& pass);
  Result<void> Fault(PullStep step);  // the test hook, if any
  // The job's temp name still holds the file the job opened.
  Result<void> TempStillOurs(const Job& job);
  // The disk at `name` still matches what the local index says is there.
  Result<bool> DiskMatchesIndex(const std::string& name, const std::optional<FileInfo>& local);
  // Moves the local version aside if it must be kept (conflict copy);
  // true when it did.
  Result<bool> KeepLosingVersion(const std::optional<FileInfo>& local, const FileInfo& global,
                                 std::vector<FileInfo>& commits, PullPass& pass);
  // Records `entries` as the local device's, in one transaction;
  // `placed_stats` holds the state of those renamed into place.
  Result<void> Commit(std::vector<FileInfo>& entries, PullPass& pass,
                      const PlacedStats* placed_stats = nullptr);
  // Renames `from` to the conflict copy name of `content` (its name, mtime
  // and last modifier) and records the copy as a new local file; false when
  // that content already exists under that name.
  Result<bool> MoveToConflictCopy(const std::string& from, const FileInfo& content,
                                  std::vector<FileInfo>& commits, PullPass& pass);
  // Keeps a directory that `global` would remove or replace: a new version
  // that dominates both, so every device keeps it.
  Result<void> KeepDirectory(const FileInfo& local, const FileInfo& global,
                             std::vector<FileInfo>& commits);

  FileSystem& fs_;
  Index& index_;
  Clock& clock_;
  BlockSource& source_;
  PullContext context_;
  PullerConfig config_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;  // by target name
  std::multimap<Hash128, FileInfo> rename_sources_;   // needed deletes, by content ID
  std::int64_t received_blocks_ = 0;                  // since the last pass
  std::int64_t planned_ = 0;                          // needed entries seen by the last plan
  // The plan's view of the need list: every needed name up to
  // loaded_through_ (all of them once complete_), kept current by the
  // Index's need journal and read further in pages as it empties.
  std::map<std::string, NeededName> window_;
  std::string loaded_through_;
  bool complete_ = false;
  std::vector<Written> written_;     // since TakeWritten
  bool swept_ = false;               // stale temps removed since idle
  bool swept_all_ = false;           // the whole folder swept once
  std::set<std::string> temp_dirs_;  // a scan found temp files in since the last sweep
  // Temp files made since the last sweep and not renamed into place (a job
  // dropped, failed or raced): removed by path at idle. Listing the
  // directories instead held the loop about 3 s at the end of a
  // 1,000,000-file pull (docs/performance.md).
  std::set<std::string> temps_made_;
  PullFailures failures_;
  std::map<std::string, FileInfo> held_dirs_;  // created writable: their final entry
  IgnoreMatcher rules_;                        // as of the last plan
  bool store_failed_ = false;                  // the last error came from the store
  std::shared_ptr<bool> alive_;                // lets late BlockSource callbacks see we are gone
  // Temp-file syncs: where they run, who is told when one is done, how
  // many the loop has started and not yet seen finish, and how many are
  // still running (what the destructor waits for; shared with the workers).
  InlineOffload inline_offload_;
  Offload* sync_offload_ = &inline_offload_;
  std::function<void()> sync_wake_;
  std::size_t syncing_ = 0;                 // sync tasks started and not yet seen done
  std::optional<std::int64_t> held_until_;  // a held batch goes by then
  struct SyncsRunning {
    std::mutex mutex;
    std::condition_variable idle;
    std::size_t count = 0;
  };
  std::shared_ptr<SyncsRunning> syncs_running_ = std::make_shared<SyncsRunning>();
};

// How long a synced file may wait for others to share its batch (one
// commit, one fsync per directory) while more is on its way.
inline constexpr std::int64_t kBatchWindowNs = 100'000'000;

// Files this large or larger are fsynced alone, never in a group_syncs
// task: their sync is the write-back of their data.
inline constexpr std::int64_t kGroupSyncMaxFileBytes = 1 << 20;

// Files recorded by metadata alone in one pass, at most (one transaction).
inline constexpr std::size_t kMetadataOnlyPerPass = 1024;

}  // namespace shoal
