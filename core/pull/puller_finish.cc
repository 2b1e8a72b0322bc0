// Puller: finishing — a batch of assembled files made durable and moved
// into place, the index commit, and held directories given their own mode.
#include <algorithm>
#include <utility>

#include "core/base/relative_path.h"
#include "core/pull/puller.h"
#include "core/pull/puller_job.h"
#include "core/pull/version_archive.h"
#include "core/version/global_version.h"

namespace shoal {
namespace {

// Needed entries looked at under a held directory before assuming that
// something there is still pending.
constexpr std::int64_t kPendingScan = 256;

// A file's temp file must be synced before it is placed; other jobs have
// nothing to sync.
bool NeedsSync(const FileInfo& f) { return f.type == FileType::kFile; }
}  // namespace

Result<void> Puller::FinishBatch(PullPass& pass) {
  // 1. Content and metadata of every assembled temp file reach the disk
  // (off the loop in the daemon; over several passes when syncs_per_pass
  // bounds them inline).
  auto pending = StartSyncs(pass);
  if (!pending) return pending.error();
  bool full = false;
  std::vector<Job*> batch = SyncedBatch(full);
  held_until_.reset();
  if (batch.empty()) return {};
  // One commit and one fsync per directory, for as many files as arrive
  // together.
  if (!full && HoldBatch(batch, *pending)) return {};
  if (auto crash = Fault(PullStep::kAfterSync); !crash) return crash.error();
  // 2. Re-check each target, keep a losing local version and the version
  // replaced, then rename.
  std::vector<FileInfo> commits;
  std::set<std::string> dirs;
  PlacedStats placed_stats;
  if (auto ok = PlaceBatch(batch, commits, dirs, placed_stats, pass); !ok) return ok;
  if (!commits.empty()) {
    if (auto ok = Fault(PullStep::kAfterRename); !ok) return ok;
  }
  // 3. The renames are durable, then the index says so.
  for (const std::string& dir : dirs) {
    if (auto ok = fs_.SyncDir(dir); !ok) return ok;
  }
  if (auto ok = Fault(PullStep::kBeforeCommit); !ok) return ok;
  return Commit(commits, pass, &placed_stats);
}

Result<void> Puller::Fault(PullStep step) {
  return config_.fault ? config_.fault(step) : Result<void>();
}

bool Puller::AwaitsSync(const Job& job) {
  return job.Ready() && !job.synced && !job.syncing && NeedsSync(job.want.file);
}

Result<bool> Puller::StartSyncs(PullPass& pass) {
  const std::size_t cap = config_.syncs_per_pass;
  std::size_t started = 0;
  bool unstarted = false;
  for (const std::vector<Job*>& group : SyncTasks()) {
    if (cap != 0 && (started == cap || syncing_ >= cap)) {
      unstarted = true;
      break;
    }
    if (auto crash = Fault(PullStep::kAfterWrite); !crash) return crash.error();
    started++;
    StartSync(group);  // inline, done before it returns
  }
  // Inline and stopped by the bound: pass again. Offloaded, the syncs that
  // finish wake the next pass.
  if (unstarted && syncing_ == 0) pass.unfinished = true;
  return unstarted || syncing_ > 0;
}

std::vector<std::vector<Puller::Job*>> Puller::SyncTasks() {
  const std::size_t per_task =
      config_.group_syncs ? std::max<std::size_t>(config_.batch_files, 1) : 1;
  std::vector<std::vector<Job*>> tasks;
  std::vector<Job*> small;
  for (auto& [name, job] : jobs_) {
    if (!AwaitsSync(*job)) continue;
    // A large file's fsync is its data's write-back; a syncfs would also
    // write back every other file still arriving, for nothing.
    if (job->want.file.size >= kGroupSyncMaxFileBytes) {
      tasks.push_back({job.get()});
      continue;
    }
    small.push_back(job.get());
    if (small.size() == per_task) tasks.push_back(std::exchange(small, {}));
  }
  if (!small.empty()) tasks.push_back(std::move(small));
  return tasks;
}

void Puller::StartSync(const std::vector<Job*>& group) {
  syncing_++;
  {
    std::lock_guard<std::mutex> lock(syncs_running_->mutex);
    syncs_running_->count++;
  }
  struct Item {
    WritableFile* file;
    std::uint64_t size;
    std::int64_t mtime_ns;
    std::uint32_t mode;
  };
  std::vector<Item> items;
  std::vector<std::string> names;
  for (Job* job : group) {
    const FileInfo& f = job->want.file;
    job->syncing = true;
    items.push_back({job->file.get(), static_cast<std::uint64_t>(f.size), f.mtime_ns,
                     LocalMode(f.type, f.permissions, config_.umask)});
    names.push_back(f.name);
  }
  auto results = std::make_shared<std::vector<Result<void>>>(group.size());
  // The worker touches only the temp files, which stay while their jobs
  // are syncing (no pass drops them), and the Puller waits for it before
  // it goes.
  sync_offload_->Run(
      [items = std::move(items), results, together = group.size() > 1, running = syncs_running_] {
        std::vector<Result<void>>& out = *results;
        for (std::size_t i = 0; i < items.size(); ++i) {
          out[i] = items[i].file->Truncate(items[i].size);
          if (out[i]) out[i] = items[i].file->SetMetadata(items[i].mtime_ns, items[i].mode);
        }
        // One syncfs for the group where it is honoured (through any of its
        // files that is still there); otherwise, or when it fails, an
        // fsync each, which also tells whose file a write-back error hit.
        bool all_synced = false;
        for (std::size_t i = 0; together && i < items.size(); ++i) {
          if (!out[i]) continue;
          auto synced = items[i].file->SyncFileSystem();
          all_synced = synced && *synced;
          break;
        }
        for (std::size_t i = 0; !all_synced && i < items.size(); ++i) {
          if (out[i]) out[i] = items[i].file->Sync();
        }
        std::lock_guard<std::mutex> lock(running->mutex);
        if (--running->count == 0) running->idle.notify_all();
      },
      [this, alive = std::weak_ptr<bool>(alive_), names = std::move(names), results] {
        auto still = alive.lock();
        if (!still || !*still) return;
        OnSynced(names, *results);
      });
}

void Puller::OnSynced(const std::vector<std::string>& names,
                      const std::vector<Result<void>>& synced) {
  syncing_--;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto it = jobs_.find(names[i]);
    if (it == jobs_.end()) continue;  // cannot happen: a syncing job stays
    Job& job = *it->second;
    job.syncing = false;
    if (!synced[i] && !job.error) {  // this file only (its temp file vanished, say)
      job.error = synced[i].error();
      job.raced = synced[i].error().code == ErrorCode::kNotFound;
    }
    job.synced = synced[i].has_value() && !job.error;
    job.synced_at_ns = clock_.NowUnixNanos();
  }
  if (sync_offload_ == &inline_offload_) return;  // inline, passes drive the syncs
  // The next assembled files take the freed place without waiting for a
  // pass; a pass is woken only once a batch could go (it is full, or no
  // sync is left running), not for every file.
  const std::size_t cap = config_.syncs_per_pass;
  for (const std::vector<Job*>& group : SyncTasks()) {
    if (cap != 0 && syncing_ >= cap) break;
    StartSync(group);
  }
  bool full = false;
  SyncedBatch(full);
  if (sync_wake_ && (syncing_ == 0 || full)) sync_wake_();
}

bool Puller::HoldBatch(const std::vector<Job*>& batch, bool syncs_pending) {
  if (sync_offload_ == &inline_offload_) return syncs_pending;
  const bool on_its_way =
      syncs_pending || std::any_of(jobs_.begin(), jobs_.end(), [](const auto& entry) {
        const Job& job = *entry.second;
        return !job.error && !job.stale && (job.outstanding > 0 || job.filling);
      });
  if (!on_its_way) return false;
  std::int64_t first = batch.front()->synced_at_ns;
  for (const Job* job : batch) first = std::min(first, job->synced_at_ns);
  const std::int64_t due = first + kBatchWindowNs;
  if (clock_.NowUnixNanos() >= due) return false;
  held_until_ = due;
  return true;
}

std::optional<std::int64_t> Puller::NextRetryNanos() const {
  std::optional<std::int64_t> next = failures_.NextRetryNanos();
  if (held_until_ && (!next || *held_until_ < *next)) next = held_until_;
  return next;
}

std::vector<Puller::Job*> Puller::SyncedBatch(bool& full) {
  std::vector<Job*> batch;
  std::int64_t bytes = 0;
  full = false;
  for (auto& [name, job] : jobs_) {
    if (!job->Ready() || job->syncing || (!job->synced && NeedsSync(job->want.file))) continue;
    batch.push_back(job.get());
    bytes += job->want.file.size;
    if (batch.size() >= config_.batch_files || bytes >= config_.batch_bytes) {
      full = true;
      break;
    }
  }
  return batch;
}

Result<void> Puller::PlaceBatch(const std::vector<Job*>& batch, std::vector<FileInfo>& commits,
                                std::set<std::string>& dirs, PlacedStats& placed_stats,
                                PullPass& pass) {
  std::vector<std::string> done;
  std::vector<Replacing> replacing;
  std::set<std::string> kept_dirs;
  Result<void> placed;
  for (Job* job : batch) {
    if (job->error) continue;
    done.push_back(job->want.file.name);
    placed =
        Isolate(job->want.file, PrepareFile(*job, commits, dirs, replacing, kept_dirs, pass), pass);
    if (!placed) break;  // a store error
  }
  // The kept versions are durable before anything takes their names.
  for (const std::string& dir : kept_dirs) {
    if (!placed) break;
    placed = fs_.SyncDir(dir);
  }
  for (Replacing& r : replacing) {
    if (!placed) break;
    placed = Isolate(r.job->want.file, RenameIntoPlace(*r.job, r.old, commits, dirs, placed_stats),
                     pass);
  }
  // Their temp files are renamed or handed over: the jobs are done, even if
  // what follows fails (the next plan starts from the disk and the index).
  for (const std::string& name : done) jobs_.erase(name);
  pass_claimed_.reset();
  pass_inodes_.reset();
  return placed;
}

Result<void> Puller::PrepareFile(Job& job, std::vector<FileInfo>& commits,
                                 std::set<std::string>& dirs, std::vector<Replacing>& replacing,
                                 std::set<std::string>& kept_dirs, PullPass& pass) {
  const std::string& name = job.want.file.name;
  if (auto ours = TempStillOurs(job); !ours) {  // a race: started afresh next pass
    pass.failed.push_back(name + ": " + ours.error().message);
    return {};
  }
  auto local = index_.GetFile(context_.folder_key, context_.local_device_key, name);
  if (!local) return StoreFailed(local.error());
  auto matches = DiskMatchesIndex(name, *local);
  if (!matches) return matches.error();
  if (!*matches) {
    pass.rescan.push_back(name);  // a local change we have not scanned yet
    return {};
  }
  if (auto kept = KeepLosingVersion(*local, job.want.file, commits, pass); !kept) {
    return kept.error();
  }
  if (*local && !(*local)->deleted && (*local)->type == FileType::kDirectory) {
    auto removed = fs_.RemoveDir(name);
    if (!removed && removed.error().code == ErrorCode::kConflict) {
      // A file cannot replace a directory that still holds entries: the
      // directory stays (a new version, as when a delete finds it not
      // empty) and the file's content is kept beside it as a conflict copy.
      job.file.reset();
      auto kept = MoveToConflictCopy(job.temp, job.want.file, commits, pass);
      if (!kept) return kept.error();
      if (auto ok = KeepDirectory(**local, job.want.file, commits); !ok) return ok;
      dirs.insert(ParentOf(name));
      return {};
    }
    if (!removed) return removed;
  }
  // What the peer's version replaces is kept (docs/user-guide.md "Versions").
  auto old = KeepReplacedVersion(fs_, clock_, *local, &job.want.file, &kept_dirs);
  if (!old) return old.error();
  replacing.push_back({&job, std::move(*old)});
  return {};
}

Result<void> Puller::RenameIntoPlace(Job& job, const std::optional<std::string>& old,
                                     std::vector<FileInfo>& commits, std::set<std::string>& dirs,
                                     PlacedStats& placed_stats) {
  const std::string& name = job.want.file.name;
  job.file.reset();
  if (auto ok = fs_.Rename(job.temp, name); !ok) {
    if (old) (void)fs_.RenameNoReplace(*old, name);  // back as it was; best effort
    return ok;
  }
  temps_made_.erase(job.temp);  // nothing left to sweep
  auto stat = fs_.Lstat(name);
  if (!stat) return stat.error();
  FileInfo applied = job.want.file;
  applied.inode = stat->inode;
  applied.permissions = stat->permissions & kSyncedPermissionBits;  // as applied
  placed_stats[name] = *stat;
  commits.push_back(std::move(applied));
  dirs.insert(ParentOf(name));
  return {};
}

Result<void> Puller::TempStillOurs(const Job& job) {
  // A writer follows its file through renames: if someone moved the temp
  // file (or its directory), writing on would change some other file.
  if (job.want.file.type != FileType::kFile) return {};
  auto st = fs_.Lstat(job.temp);
  if (!st) return st.error().Wrap("temp file of '" + job.want.file.name + "'");
  if (st->inode != job.inode) {
    return Fail(ErrorCode::kConflict,
                "temp file of '" + job.want.file.name + "' was replaced or moved away");
  }
  return {};
}

Result<void> Puller::Commit(std::vector<FileInfo>& entries, PullPass& pass,
                            const PlacedStats* placed_stats) {
  if (entries.empty()) return {};
  auto ok = index_.PutFiles(context_.folder_key, context_.local_device_key, entries);
  if (!ok) return ok.error().Wrap("commit pulled entries");
  pass.applied += static_cast<std::int64_t>(entries.size());
  for (const FileInfo& f : entries) {
    failures_.Clear(f.name);
    Written& w = written_.emplace_back(Written{f.name, std::nullopt});
    if (!placed_stats) continue;
    if (auto it = placed_stats->find(f.name); it != placed_stats->end()) w.placed = it->second;
  }
  entries.clear();
  return {};
}

Result<void> Puller::ReleaseDirectories(PullPass& pass) {
  // Deepest first: a parent's final mode may deny reaching its children.
  for (auto it = held_dirs_.rbegin(); it != held_dirs_.rend();) {
    const FileInfo& want = it->second;
    auto pending = PendingUnder(want.name);
    if (!pending) return pending.error();
    if (*pending) {
      ++it;
      continue;
    }
    auto global = index_.GetGlobal(context_.folder_key, want.name);
    if (!global) return global.error();
    auto st = fs_.Lstat(want.name);
    // Only the directory we made, still wanted as made; anything else is
    // the scanner's and the next plan's business.
    if (*global && (*global)->file.version == want.version && st &&
        st->kind == EntryKind::kDirectory) {
      if (auto ok = fs_.SetMetadata(want.name, st->mtime_ns, want.permissions); !ok) {
        Failed(want, ok.error(), pass);
        ++it;
        continue;
      }
      written_.push_back({want.name, std::nullopt});
    }
    it = std::make_reverse_iterator(held_dirs_.erase(std::next(it).base()));
  }
  return {};
}

Result<bool> Puller::PendingUnder(const std::string& dir) {
  const std::string prefix = dir + "/";
  for (const auto& [name, job] : jobs_) {
    if (name.starts_with(prefix)) return true;
  }
  auto page = index_.ListNeeded(context_.folder_key, prefix, kPendingScan);
  if (!page) return page.error();
  for (const GlobalFile& g : *page) {
    if (!g.file.name.starts_with(prefix)) return false;
    if (rules_.IsIgnored(g.file.name, g.file.type == FileType::kDirectory)) continue;
    if (failures_.Failing(g.file.name, g.file.version)) continue;
    return true;
  }
  return static_cast<std::int64_t>(page->size()) == kPendingScan;
}

}  // namespace shoal
