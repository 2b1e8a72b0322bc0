#include "core/pull/puller.h"

#include <algorithm>

#include "core/hash/block_hash.h"
#include "core/pull/puller_job.h"
#include "core/pull/version_archive.h"
#include "core/scan/ignore_file.h"
#include "core/version/global_version.h"

namespace shoal {
namespace {

bool IsLive(const FileInfo& f, FileType type) { return !f.deleted && f.type == type; }

std::string ParentOf(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

// Deletions: files and links first, then directories deepest first.
bool DeleteOrder(const GlobalFile& a, const GlobalFile& b) {
  bool a_dir = a.file.type == FileType::kDirectory;
  bool b_dir = b.file.type == FileType::kDirectory;
  if (a_dir != b_dir) return !a_dir;
  return a.file.name > b.file.name;
}

}  // namespace

Puller::Puller(FileSystem& fs, Index& index, Clock& clock, ChunkSource& source, PullContext context,
               PullerConfig config)
    : fs_(fs),
      index_(index),
      clock_(clock),
      source_(source),
      context_(context),
      config_(std::move(config)),
      alive_(std::make_shared<bool>(true)) {}

Puller::~Puller() { *alive_ = false; }

bool Puller::Busy() const { return !jobs_.empty(); }

Result<std::int64_t> Puller::CountApplicable() {
  auto rules = LoadIgnoreRules(fs_);
  if (!rules) return rules.error();
  std::int64_t count = 0;
  std::string after;
  for (;;) {
    auto page = index_.ListNeeded(context_.folder_key, after, 1000);
    if (!page) return page.error();
    for (const GlobalFile& g : *page) {
      if (!rules->IsIgnored(g.file.name, g.file.type == FileType::kDirectory)) count++;
      after = g.file.name;
    }
    if (page->size() < 1000) return count;
  }
}

Result<PullPass> Puller::Run() {
  PullPass pass;
  pass.remote_blocks = std::exchange(received_blocks_, 0);
  // Drop jobs that failed or whose version is no longer the one needed.
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = *it->second;
    bool drop = !job.error.empty();
    if (!drop) {
      auto global = index_.GetGlobal(context_.folder_key, it->first);
      if (!global) return global.error();
      drop = !*global || (*global)->file.version != job.want.file.version;
    }
    job.stale = drop;  // asks for no more blocks; goes once its requests return
    if (drop && job.outstanding == 0) {
      if (!job.error.empty()) pass.failed.push_back(it->first + ": " + job.error);
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  if (auto ok = Plan(pass); !ok) return ok.error();
  for (auto& [name, job] : jobs_) RequestMissing(*job, pass);
  if (auto ok = FinishBatch(pass); !ok) return ok.error();
  // Nothing left to do: temp files of versions no longer needed can go.
  if (jobs_.empty() && planned_ == 0) {
    if (!swept_) {
      auto removed = RemoveStaleTemps();
      if (!removed) return removed.error();
      swept_ = true;
    }
  } else {
    swept_ = false;
  }
  return pass;
}

Result<void> Puller::Plan(PullPass& pass) {
  auto needed = index_.ListNeeded(context_.folder_key, "", config_.plan_size);
  if (!needed) return needed.error();
  // Names this device ignores are neither fetched nor allowed to replace
  // what is here (docs/ignore.md).
  auto rules = LoadIgnoreRules(fs_);
  if (!rules) return rules.error().Wrap("pull");
  planned_ = 0;
  std::vector<GlobalFile> dirs, files, deletes;
  for (GlobalFile& g : *needed) {
    if (rules->IsIgnored(g.file.name, g.file.type == FileType::kDirectory)) {
      pass.ignored++;
      continue;
    }
    planned_++;
    if (g.file.deleted) {
      deletes.push_back(std::move(g));
    } else if (g.file.type == FileType::kDirectory) {
      dirs.push_back(std::move(g));
    } else if (jobs_.count(g.file.name) == 0) {
      files.push_back(std::move(g));
    }
  }
  // Name order creates parents before children.
  std::vector<FileInfo> commits;
  for (const GlobalFile& g : dirs) {
    if (auto ok = ApplyDirectory(g, commits, pass); !ok) return ok;
  }
  if (auto ok = Commit(commits, pass); !ok) return ok;
  std::stable_sort(files.begin(), files.end(), [](const GlobalFile& a, const GlobalFile& b) {
    return a.file.size < b.file.size;
  });
  // Content about to be deleted, by content ID: a needed add with the same
  // content is a rename on some other device, applied here as one.
  rename_sources_.clear();
  for (const GlobalFile& g : deletes) {
    auto local = index_.GetFile(context_.folder_key, context_.local_device_key, g.file.name);
    if (!local) return local.error();
    if (*local && IsLive(**local, FileType::kFile) && !(*local)->blocks.empty()) {
      rename_sources_.emplace(ContentId((*local)->blocks, context_.hash_seed), **local);
    }
  }
  for (const GlobalFile& g : files) {
    if (jobs_.size() >= config_.max_files) break;  // the rest start as these finish
    if (auto ok = StartFile(g, pass); !ok) return ok;
  }
  std::sort(deletes.begin(), deletes.end(), DeleteOrder);
  for (const GlobalFile& g : deletes) {
    if (auto ok = ApplyDelete(g, commits, pass); !ok) return ok;
  }
  return Commit(commits, pass);
}

void Puller::RequestMissing(Job& job, PullPass& pass) {
  if (!job.error.empty() || job.stale || job.missing == 0) return;
  bool waiting = false;
  for (std::size_t i = 0; i < job.have.size(); ++i) {
    if (job.have[i] || job.requested[i]) continue;
    BlockWant want{job.want.file.name, job.want.file.version, job.offsets[i],
                   job.want.file.blocks[i]};
    std::weak_ptr<bool> alive = alive_;
    std::string name = job.want.file.name;
    VersionVector version = job.want.file.version;
    bool started = source_.Fetch(want, [this, alive, name, version, i](Result<Bytes> data) {
      auto still = alive.lock();
      if (!still || !*still) return;
      OnBlock(name, version, i, std::move(data));
    });
    if (!started) {
      waiting = true;
      break;
    }
    job.requested[i] = true;
    job.outstanding++;
  }
  if (waiting && job.outstanding == 0) pass.waiting++;
}

void Puller::OnBlock(const std::string& name, const VersionVector& version, std::size_t i,
                     Result<Bytes> data) {
  auto it = jobs_.find(name);
  if (it == jobs_.end() || it->second->want.file.version != version) return;
  Job& job = *it->second;
  job.outstanding--;
  job.requested[i] = false;
  if (!data) return;  // asked again on the next pass, maybe elsewhere
  const BlockRef& block = job.want.file.blocks[i];
  if (data->size() != block.size || HashBlock(*data, context_.hash_seed) != block.hash) {
    return;  // a peer whose file changed since it announced it; retried
  }
  if (job.have[i] || !job.error.empty()) return;
  if (auto ours = TempStillOurs(job); !ours) {
    job.error = ours.error().ToString();
    return;
  }
  if (auto ok = job.file->WriteAt(static_cast<std::uint64_t>(job.offsets[i]), *data); !ok) {
    job.error = ok.error().ToString();
    return;
  }
  job.have[i] = true;
  job.missing--;
  received_blocks_++;
}

Result<void> Puller::FinishBatch(PullPass& pass) {
  std::vector<Job*> batch;
  std::int64_t bytes = 0;
  for (auto& [name, job] : jobs_) {
    if (!job->Ready()) continue;
    batch.push_back(job.get());
    bytes += job->want.file.size;
    if (batch.size() >= config_.batch_files || bytes >= config_.batch_bytes) break;
  }
  if (batch.empty()) return {};
  auto fault = [&](PullStep step) -> Result<void> {
    return config_.fault ? config_.fault(step) : Result<void>();
  };
  // 1. Content and metadata of every temp file reach the disk.
  for (Job* job : batch) {
    if (job->want.file.type != FileType::kFile) continue;
    const FileInfo& f = job->want.file;
    auto ok = job->file->Truncate(static_cast<std::uint64_t>(f.size));
    if (ok)
      ok = job->file->SetMetadata(f.mtime_ns, LocalMode(f.type, f.permissions, config_.umask));
    if (ok) {
      if (auto crash = fault(PullStep::kAfterWrite); !crash) return crash;
      ok = job->file->Sync();
    }
    if (!ok) {  // this file only (its temp file vanished, say); retried afresh
      job->error = ok.error().ToString();
      continue;
    }
  }
  if (auto ok = fault(PullStep::kAfterSync); !ok) return ok;
  // 2. Re-check each target, keep a losing local version and the version
  // replaced, then rename.
  std::vector<FileInfo> commits;
  std::set<std::string> dirs;
  std::vector<std::string> done;
  std::vector<std::pair<Job*, std::optional<std::string>>> replacing;  // and where the old went
  std::set<std::string> kept_dirs;
  for (Job* job : batch) {
    if (!job->error.empty()) continue;
    const std::string& name = job->want.file.name;
    if (auto ours = TempStillOurs(*job); !ours) {
      job->error = ours.error().ToString();
      continue;
    }
    done.push_back(name);
    auto local = index_.GetFile(context_.folder_key, context_.local_device_key, name);
    if (!local) return local.error();
    auto matches = DiskMatchesIndex(name, *local);
    if (!matches) return matches.error();
    if (!*matches) {
      pass.rescan.push_back(name);  // a local change we have not scanned yet
      continue;
    }
    if (auto kept = KeepLosingVersion(*local, job->want.file, commits, pass); !kept) {
      return kept.error();
    }
    if (*local && IsLive(**local, FileType::kDirectory)) {
      auto removed = fs_.RemoveDir(name);
      if (!removed && removed.error().code == ErrorCode::kConflict) {
        // A file cannot replace a directory that still holds entries: the
        // directory stays (a new version, as when a delete finds it not
        // empty) and the file's content is kept beside it as a conflict copy.
        job->file.reset();
        auto kept = MoveToConflictCopy(job->temp, job->want.file, commits, pass);
        if (!kept) return kept.error();
        if (auto ok = KeepDirectory(**local, job->want.file, commits); !ok) return ok;
        dirs.insert(ParentOf(name));
        continue;
      }
      if (!removed) {
        pass.failed.push_back(name + ": " + removed.error().message);
        continue;
      }
    }
    // What the peer's version replaces is kept (docs/user-guide.md "Versions").
    auto old = KeepReplacedVersion(fs_, clock_, *local, &job->want.file, &kept_dirs);
    if (!old) {
      pass.failed.push_back(name + ": " + old.error().message);
      continue;
    }
    replacing.push_back({job, std::move(*old)});
  }
  // The kept versions are durable before anything takes their names.
  for (const std::string& dir : kept_dirs) {
    if (auto ok = fs_.SyncDir(dir); !ok) return ok;
  }
  for (auto& [job, old] : replacing) {
    const std::string& name = job->want.file.name;
    job->file.reset();
    if (auto ok = fs_.Rename(job->temp, name); !ok) {
      if (old) (void)fs_.RenameNoReplace(*old, name);  // back as it was; best effort
      pass.failed.push_back(name + ": " + ok.error().message);
      continue;
    }
    auto stat = fs_.Lstat(name);
    if (!stat) return stat.error();
    FileInfo applied = job->want.file;
    applied.inode = stat->inode;
    applied.permissions = stat->permissions & kSyncedPermissionBits;  // as applied
    commits.push_back(std::move(applied));
    dirs.insert(ParentOf(name));
  }
  if (!commits.empty()) {
    if (auto ok = fault(PullStep::kAfterRename); !ok) return ok;
  }
  // 3. The renames are durable, then the index says so.
  for (const std::string& dir : dirs) {
    if (auto ok = fs_.SyncDir(dir); !ok) return ok;
  }
  if (auto ok = fault(PullStep::kBeforeCommit); !ok) return ok;
  for (const std::string& name : done) jobs_.erase(name);
  return Commit(commits, pass);
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
  entries.clear();
  return {};
}

}  // namespace shoal
