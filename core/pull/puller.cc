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

IgnoreMatcher Puller::LoadRules() {
  auto rules = context_.ignore_rules ? context_.ignore_rules->Load(fs_) : LoadIgnoreRules(fs_);
  return rules ? std::move(*rules) : IgnoreMatcher();
}

Result<std::int64_t> Puller::CountApplicable() {
  IgnoreMatcher rules = LoadRules();
  std::int64_t count = 0;
  std::string after;
  for (;;) {
    auto page = index_.ListNeeded(context_.folder_key, after, 1000);
    if (!page) return page.error();
    for (const GlobalFile& g : *page) {
      if (!rules.IsIgnored(g.file.name, g.file.type == FileType::kDirectory) &&
          !failures_.Failing(g.file.name, g.file.version)) {
        count++;
      }
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
    bool drop = job.error.has_value();
    if (!drop) {
      auto global = index_.GetGlobal(context_.folder_key, it->first);
      if (!global) return global.error();
      drop = !*global || (*global)->file.version != job.want.file.version;
    }
    job.stale = drop;  // asks for no more blocks; goes once its requests return
    if (drop && job.outstanding == 0) {
      if (job.error) DropFailedJob(job, pass);
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  if (auto ok = Plan(pass); !ok) return ok.error();
  for (auto& [name, job] : jobs_) RequestMissing(*job, pass);
  if (auto ok = FinishBatch(pass); !ok) return ok.error();
  if (auto ok = ReleaseDirectories(pass); !ok) return ok.error();
  // Nothing left to do: temp files of versions no longer needed can go.
  if (jobs_.empty() && planned_ == 0) {
    if (!swept_) {
      auto removed = RemoveStaleTemps();  // a disk error here is no reason to stop
      swept_ = removed.has_value();
      if (!removed) pass.failed.push_back("removing stale temp files: " + removed.error().message);
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
  rules_ = LoadRules();
  planned_ = 0;
  const std::int64_t now = clock_.NowUnixNanos();
  if (static_cast<std::int64_t>(needed->size()) < config_.plan_size) {
    // The whole need list is here: failures of names no longer needed go.
    std::set<std::string> names;
    for (const GlobalFile& g : *needed) names.insert(g.file.name);
    for (const PullFailure& f : failures_.List()) {
      if (names.count(f.name) == 0) failures_.Clear(f.name);
    }
  }
  std::vector<GlobalFile> dirs, files, deletes;
  for (GlobalFile& g : *needed) {
    if (rules_.IsIgnored(g.file.name, g.file.type == FileType::kDirectory)) {
      pass.ignored++;
      continue;
    }
    if (failures_.Waiting(g.file.name, g.file.version, now)) {
      pass.backing_off++;
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
    if (auto ok = Isolate(g.file, ApplyDirectory(g, commits, pass), pass); !ok) return ok;
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
    if (auto ok = Isolate(g.file, StartFile(g, pass), pass); !ok) return ok;
  }
  std::sort(deletes.begin(), deletes.end(), DeleteOrder);
  for (const GlobalFile& g : deletes) {
    if (auto ok = Isolate(g.file, ApplyDelete(g, commits, pass), pass); !ok) return ok;
  }
  return Commit(commits, pass);
}

Result<void> Puller::Isolate(const FileInfo& want, Result<void> done, PullPass& pass) {
  if (done) return {};
  if (std::exchange(store_failed_, false)) return done;
  Failed(want, done.error(), pass);
  return {};
}

void Puller::Failed(const FileInfo& want, const Error& error, PullPass& pass) {
  std::string reason = error.message;
  if (error.code == ErrorCode::kNoSpace && !reason.starts_with("disk full")) {
    reason = "disk full: " + reason;
  }
  pass.failed.push_back(want.name + ": " + reason);
  failures_.Record(want.name, want.version, std::move(reason), clock_.NowUnixNanos());
}

Error Puller::StoreFailed(const Error& error) {
  store_failed_ = true;
  return error;
}

void Puller::DropFailedJob(Job& job, PullPass& pass) {
  if (job.raced) {  // started afresh by the next plan
    pass.failed.push_back(job.want.file.name + ": " + job.error->message);
    return;
  }
  Failed(job.want.file, *job.error, pass);
  if (job.error->code != ErrorCode::kNoSpace) return;  // kept to resume from
  // The space goes to the files that fit; the retry reuses local blocks.
  job.file.reset();
  if (auto removed = fs_.RemoveFile(job.temp);
      !removed && removed.error().code != ErrorCode::kNotFound) {
    pass.failed.push_back(job.want.file.name + ": " + removed.error().message);
  }
}

Result<void> Puller::CheckSpace(const FileInfo& f, const std::string& temp) {
  std::int64_t have = 0;
  if (auto st = fs_.Lstat(temp); st && st->kind == EntryKind::kFile) have = st->size;
  const std::int64_t need = f.size - have;
  if (need <= 0) return {};
  auto space = fs_.FreeSpace();
  if (!space) return {};  // unknown: a full disk still stops the file at ENOSPC
  const std::int64_t floor =
      std::min(space->total_bytes / 100 * config_.min_free_percent, config_.min_free_bytes);
  if (space->free_bytes >= need + floor) return {};
  return Fail(ErrorCode::kNoSpace, "disk full: needs " + std::to_string(need) + " bytes, " +
                                       std::to_string(space->free_bytes) + " free (keeping " +
                                       std::to_string(floor) + " free)");
}

std::set<std::string> Puller::HeldDirectories() const {
  std::set<std::string> out;
  for (const auto& [name, entry] : held_dirs_) out.insert(name);
  return out;
}

void Puller::RequestMissing(Job& job, PullPass& pass) {
  if (job.error || job.stale || job.missing == 0) return;
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
  if (job.have[i] || job.error) return;
  if (auto ours = TempStillOurs(job); !ours) {
    job.error = ours.error();
    job.raced = true;
    return;
  }
  if (auto ok = job.file->WriteAt(static_cast<std::uint64_t>(job.offsets[i]), *data); !ok) {
    job.error = ok.error();
    return;
  }
  job.have[i] = true;
  job.missing--;
  received_blocks_++;
}

}  // namespace shoal
