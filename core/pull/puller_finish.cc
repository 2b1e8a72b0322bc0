// Puller: finishing — a batch of assembled files made durable and moved
// into place, the index commit, and held directories given their own mode.
#include <algorithm>

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

}  // namespace

Result<void> Puller::FinishBatch(PullPass& pass) {
  std::vector<Job*> batch = ReadyBatch();
  if (batch.empty()) return {};
  // 1. Content and metadata of every temp file reach the disk (over
  // several passes when syncs_per_pass bounds them).
  auto synced = SyncTempFiles(batch);
  if (!synced) return synced.error();
  if (!*synced) {
    pass.unfinished = true;
    return {};
  }
  // 2. Re-check each target, keep a losing local version and the version
  // replaced, then rename.
  std::vector<FileInfo> commits;
  std::set<std::string> dirs;
  if (auto ok = PlaceBatch(batch, commits, dirs, pass); !ok) return ok;
  if (!commits.empty()) {
    if (auto ok = Fault(PullStep::kAfterRename); !ok) return ok;
  }
  // 3. The renames are durable, then the index says so.
  for (const std::string& dir : dirs) {
    if (auto ok = fs_.SyncDir(dir); !ok) return ok;
  }
  if (auto ok = Fault(PullStep::kBeforeCommit); !ok) return ok;
  return Commit(commits, pass);
}

Result<void> Puller::Fault(PullStep step) {
  return config_.fault ? config_.fault(step) : Result<void>();
}

std::vector<Puller::Job*> Puller::ReadyBatch() {
  std::vector<Job*> batch;
  std::int64_t bytes = 0;
  for (auto& [name, job] : jobs_) {
    if (!job->Ready()) continue;
    batch.push_back(job.get());
    bytes += job->want.file.size;
    if (batch.size() >= config_.batch_files || bytes >= config_.batch_bytes) break;
  }
  return batch;
}

Result<bool> Puller::SyncTempFiles(const std::vector<Job*>& batch) {
  std::size_t synced = 0;
  for (Job* job : batch) {
    if (job->want.file.type != FileType::kFile || job->synced) continue;
    if (config_.syncs_per_pass != 0 && synced == config_.syncs_per_pass) return false;
    const FileInfo& f = job->want.file;
    auto ok = job->file->Truncate(static_cast<std::uint64_t>(f.size));
    if (ok) {
      ok = job->file->SetMetadata(f.mtime_ns, LocalMode(f.type, f.permissions, config_.umask));
    }
    if (ok) {
      if (auto crash = Fault(PullStep::kAfterWrite); !crash) return crash.error();
      ok = job->file->Sync();
      synced++;
    }
    if (!ok) {  // this file only (its temp file vanished, say); dropped next pass
      job->error = ok.error();
      job->raced = ok.error().code == ErrorCode::kNotFound;
      continue;
    }
    job->synced = true;
  }
  if (auto crash = Fault(PullStep::kAfterSync); !crash) return crash.error();
  return true;
}

Result<void> Puller::PlaceBatch(const std::vector<Job*>& batch, std::vector<FileInfo>& commits,
                                std::set<std::string>& dirs, PullPass& pass) {
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
    placed = Isolate(r.job->want.file, RenameIntoPlace(*r.job, r.old, commits, dirs), pass);
  }
  // Their temp files are renamed or handed over: the jobs are done, even if
  // what follows fails (the next plan starts from the disk and the index).
  for (const std::string& name : done) jobs_.erase(name);
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
                                     std::vector<FileInfo>& commits, std::set<std::string>& dirs) {
  const std::string& name = job.want.file.name;
  job.file.reset();
  if (auto ok = fs_.Rename(job.temp, name); !ok) {
    if (old) (void)fs_.RenameNoReplace(*old, name);  // back as it was; best effort
    return ok;
  }
  auto stat = fs_.Lstat(name);
  if (!stat) return stat.error();
  FileInfo applied = job.want.file;
  applied.inode = stat->inode;
  applied.permissions = stat->permissions & kSyncedPermissionBits;  // as applied
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

Result<void> Puller::Commit(std::vector<FileInfo>& entries, PullPass& pass) {
  if (entries.empty()) return {};
  auto ok = index_.PutFiles(context_.folder_key, context_.local_device_key, entries);
  if (!ok) return ok.error().Wrap("commit pulled entries");
  pass.applied += static_cast<std::int64_t>(entries.size());
  for (const FileInfo& f : entries) {
    failures_.Clear(f.name);
    written_.push_back(f.name);
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
      written_.push_back(want.name);
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
