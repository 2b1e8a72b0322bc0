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

// Whether keys, asked in ascending order, are in `map`: one walk beside
// the caller's own, instead of a lookup of each (the window's thousands of
// names against the held jobs, every pass).
template <typename Map>
class AscendingLookup {
 public:
  explicit AscendingLookup(const Map& map) : it_(map.begin()), end_(map.end()) {}
  bool Contains(const std::string& key) {
    while (it_ != end_ && it_->first < key) ++it_;
    return it_ != end_ && it_->first == key;
  }

 private:
  typename Map::const_iterator it_;
  typename Map::const_iterator end_;
};

}  // namespace

Puller::Puller(FileSystem& fs, Index& index, Clock& clock, BlockSource& source, PullContext context,
               PullerConfig config)
    : fs_(fs),
      index_(index),
      clock_(clock),
      source_(source),
      context_(context),
      config_(std::move(config)),
      alive_(std::make_shared<bool>(true)) {
  config_.plan_size = std::max<std::int64_t>(config_.plan_size, 1);
  index_.WatchNeed(context_.folder_key, config_.need_journal_cap);
}

Puller::~Puller() {
  *alive_ = false;
  // A sync still running uses its job's temp file, which goes with us.
  std::unique_lock<std::mutex> lock(syncs_running_->mutex);
  syncs_running_->idle.wait(lock, [&] { return syncs_running_->count == 0; });
}

void Puller::SetSyncOffload(Offload* offload, std::function<void()> wake) {
  sync_offload_ = offload ? offload : &inline_offload_;
  sync_wake_ = std::move(wake);
}

bool Puller::Busy() const { return !jobs_.empty(); }

IgnoreMatcher Puller::LoadRules() {
  auto rules = context_.ignore_rules ? context_.ignore_rules->Load(fs_) : LoadIgnoreRules(fs_);
  return rules ? std::move(*rules) : IgnoreMatcher();
}

bool Puller::Applicable(const NeededName& n, std::int64_t now) {
  return !rules_.IsIgnored(n.name, n.type == FileType::kDirectory) &&
         !failures_.Waiting(n.name, n.version, now);
}

void Puller::ApplyNeedChanges() {
  NeedChanges changes = index_.TakeNeedChanges(context_.folder_key);
  if (changes.reset) {
    window_.clear();
    loaded_through_.clear();
    complete_ = false;
    for (auto& [name, job] : jobs_) job->recheck = true;
  }
  for (auto& [name, entry] : changes.names) {
    // Its global row was written: the job's version is checked on the next
    // pass (Run). No other job's can have changed.
    if (auto job = jobs_.find(name); job != jobs_.end()) job->second->recheck = true;
    // Beyond what was read: the need list has it when paging gets there.
    if (!complete_ && name > loaded_through_) continue;
    if (entry) {
      window_[name] = std::move(*entry);
    } else {
      window_.erase(name);
    }
  }
}

Result<void> Puller::RefreshWindow() {
  ApplyNeedChanges();
  const std::int64_t now = clock_.NowUnixNanos();
  // Read on while the window holds too little to work on; a few pages at
  // most per pass (names held back by ignores or backoff stay in it). The
  // window is counted once a pass, only as far as plan_size, and each page
  // as it comes: counting all of it before every page was 5% of a
  // small-file receiver's CPU.
  std::optional<std::int64_t> actionable;
  for (int page = 0; page < 4 && !complete_; ++page) {
    if (!actionable) {
      actionable = 0;
      AscendingLookup held(jobs_);
      for (auto it = window_.begin(); it != window_.end() && *actionable < config_.plan_size;
           ++it) {
        *actionable += !held.Contains(it->first) && Applicable(it->second, now);
      }
    }
    if (*actionable >= config_.plan_size) break;
    auto names = index_.ListNeededNames(context_.folder_key, loaded_through_, config_.plan_size);
    if (!names) return names.error();
    if (!names->empty()) loaded_through_ = names->back().name;
    complete_ = static_cast<std::int64_t>(names->size()) < config_.plan_size;
    for (NeededName& n : *names) {
      const bool counts = Applicable(n, now) && !jobs_.count(n.name);
      std::string name = n.name;
      auto [it, added] = window_.insert_or_assign(std::move(name), std::move(n));
      *actionable += added && counts;
    }
  }
  // Extended past its bound by the journal: the tail is read again later.
  const auto bound = static_cast<std::size_t>(4 * config_.plan_size);
  if (window_.size() > bound) {
    auto keep_end = std::next(window_.begin(), static_cast<std::ptrdiff_t>(bound / 2));
    loaded_through_ = std::prev(keep_end)->first;
    window_.erase(keep_end, window_.end());
    complete_ = false;
  }
  return {};
}

Result<bool> Puller::HasApplicable() {
  auto need = index_.CountNeeded(context_.folder_key);
  if (!need) return need.error();
  if (need->names == 0) return false;
  rules_ = LoadRules();
  if (auto ok = RefreshWindow(); !ok) return ok.error();
  for (const auto& [name, n] : window_) {
    if (!rules_.IsIgnored(name, n.type == FileType::kDirectory) &&
        !failures_.Failing(name, n.version)) {
      return true;
    }
  }
  if (complete_) return false;
  auto count = CountApplicable();  // only past a window of ignored names
  if (!count) return count.error();
  return *count > 0;
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
  // A pass runs in one turn of the loop: the directories it resolves are
  // kept for the rest of it (a pulled small file is looked up six times).
  ScopedLookupCache lookups(fs_);
  PullPass pass;
  pass.remote_blocks = std::exchange(received_blocks_, 0);
  // Drop jobs that failed or whose version is no longer the one needed:
  // only a job whose name the need journal shows written since it was last
  // checked can have changed (with 256 jobs held, a lookup for each on
  // every pass was 6% of a small-file receiver's CPU).
  ApplyNeedChanges();
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = *it->second;
    bool drop = job.stale;  // the last check's verdict, while the name is unchanged
    if (job.recheck && !job.error) {
      // The version alone: decoding a large file's block list on every
      // pass, for every job, was most of a large transfer's store work.
      auto global = index_.GetGlobalVersion(context_.folder_key, it->first);
      if (!global) return global.error();
      drop = !*global || **global != job.want.file.version;
      job.recheck = false;
    }
    drop = drop || job.error.has_value();
    job.stale = drop;  // asks for no more blocks; goes once its requests and sync return
    if (drop && job.outstanding == 0 && !job.syncing) {
      if (job.error) DropFailedJob(job, pass);
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  fill_left_ = config_.fill_bytes_per_pass;
  // What was true of the disk at the last pass may not be now.
  pass_space_.reset();  // CheckSpace reads it again, and counts writes from then
  pass_claimed_.reset();
  pass_inodes_.reset();
  parents_ready_.clear();
  // Fills that ran out of budget go on first, oldest first by name.
  for (auto& [name, job] : jobs_) {
    if (!job->filling || job->stale || job->error) continue;
    if (auto ok = Isolate(job->want.file, FillLocally(*job, pass), pass); !ok) return ok.error();
  }
  if (auto ok = Plan(pass); !ok) return ok.error();
  for (auto& [name, job] : jobs_) RequestMissing(*job, pass);
  for (auto& [name, job] : jobs_) {
    if (job->filling && !job->stale && !job->error) pass.unfinished = true;  // pass again soon
  }
  if (auto ok = FinishBatch(pass); !ok) return ok.error();
  if (auto ok = ReleaseDirectories(pass); !ok) return ok.error();
  // Nothing left to do: temp files of versions no longer needed can go.
  if (jobs_.empty() && planned_ == 0) {
    if (!swept_) {
      auto removed = SweepTemps();  // a disk error here is no reason to stop
      swept_ = removed.has_value();
      if (!removed) pass.failed.push_back("removing stale temp files: " + removed.error().message);
    }
  } else {
    swept_ = false;
  }
  return pass;
}

Result<std::vector<GlobalFile>> Puller::Fetch(const std::vector<const NeededName*>& names) {
  std::vector<GlobalFile> out;
  out.reserve(names.size());
  for (const NeededName* n : names) {
    auto g = index_.GetNeeded(context_.folder_key, n->name);
    if (!g) return g.error();
    if (!*g) continue;  // no longer needed; the journal says so next pass
    out.push_back(std::move(**g));
  }
  return out;
}

Result<void> Puller::Plan(PullPass& pass) {
  // Names this device ignores are neither fetched nor allowed to replace
  // what is here (docs/ignore.md).
  rules_ = LoadRules();
  if (auto ok = RefreshWindow(); !ok) return ok;
  planned_ = 0;
  const std::int64_t now = clock_.NowUnixNanos();
  if (complete_) {
    // The whole need list is here: failures of names no longer needed go.
    for (const PullFailure& f : failures_.List()) {
      if (window_.count(f.name) == 0) failures_.Clear(f.name);
    }
  }
  // Only what is acted on is read in full (block lists): every directory
  // and deletion of the window, and the files that start now.
  std::vector<const NeededName*> dir_names, file_names, delete_names;
  AscendingLookup held(jobs_);
  for (const auto& [name, n] : window_) {
    if (rules_.IsIgnored(name, n.type == FileType::kDirectory)) {
      pass.ignored++;
      continue;
    }
    if (failures_.Waiting(name, n.version, now)) {
      pass.backing_off++;
      continue;
    }
    planned_++;
    if (n.deleted) {
      delete_names.push_back(&n);
    } else if (n.type == FileType::kDirectory) {
      dir_names.push_back(&n);
    } else if (!held.Contains(name)) {
      file_names.push_back(&n);
    }
  }
  // Smallest first (by name among equals), taken from a heap: a pass
  // starts a few dozen of a window of thousands, and sorting all of them
  // on every pass was 2% of a small-file receiver's CPU.
  auto later = [](const NeededName* a, const NeededName* b) {
    return a->size != b->size ? a->size > b->size : a->name > b->name;
  };
  std::make_heap(file_names.begin(), file_names.end(), later);
  auto dirs = Fetch(dir_names);
  if (!dirs) return dirs.error();
  auto deletes = Fetch(delete_names);
  if (!deletes) return deletes.error();
  // Name order creates parents before children.
  std::vector<FileInfo> commits;
  for (const GlobalFile& g : *dirs) {
    if (g.file.deleted || g.file.type != FileType::kDirectory) continue;  // changed since
    if (auto ok = Isolate(g.file, ApplyDirectory(g, commits, pass), pass); !ok) return ok;
  }
  if (auto ok = Commit(commits, pass); !ok) return ok;
  // Content about to be deleted, by content ID: a needed add with the same
  // content is a rename on some other device, applied here as one.
  rename_sources_.clear();
  for (const GlobalFile& g : *deletes) {
    auto local = index_.GetFile(context_.folder_key, context_.local_device_key, g.file.name);
    if (!local) return local.error();
    if (*local && IsLive(**local, FileType::kFile) && !(*local)->blocks.empty()) {
      rename_sources_.emplace(ContentId((*local)->blocks, context_.hash_seed), **local);
    }
  }
  // Small files first. One whose content is here already takes only the
  // metadata; the others start while there is room, and wait otherwise.
  std::size_t merged = 0;
  // Files that wait for their sync or their batch no longer count against
  // max_files: the next ones are fetched meanwhile (max_held bounds all).
  std::size_t assembling = 0;
  for (const auto& [name, job] : jobs_) assembling += job->Ready() ? 0 : 1;
  for (auto heap_end = file_names.end(); heap_end != file_names.begin();) {
    std::pop_heap(file_names.begin(), heap_end, later);
    const NeededName* n = *--heap_end;
    if (merged >= kMetadataOnlyPerPass) break;
    const bool room = assembling < config_.max_files && jobs_.size() < config_.max_held;
    auto fetched = index_.GetNeeded(context_.folder_key, n->name);
    if (!fetched) return fetched.error();
    if (!*fetched) continue;  // no longer needed
    const GlobalFile& g = **fetched;
    if (g.file.deleted || g.file.type == FileType::kDirectory) continue;  // changed since
    auto same = ApplyMetadataOnly(g, commits);
    if (!same) {
      if (auto ok = Isolate(g.file, Result<void>(same.error()), pass); !ok) return ok;
      continue;
    }
    if (*same) {
      merged++;
      continue;
    }
    if (!room) break;  // the rest start as these finish
    if (auto ok = Isolate(g.file, StartFile(g, pass), pass); !ok) return ok;
  }
  std::sort(deletes->begin(), deletes->end(), DeleteOrder);
  for (const GlobalFile& g : *deletes) {
    if (!g.file.deleted) continue;  // changed since
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
  // One statvfs a pass, less what this pass has written since: a pass
  // starting 256 small files asked 256 times (2% of the receiver's CPU).
  if (!pass_space_) {
    auto space = fs_.FreeSpace();
    if (!space) return {};  // unknown: a full disk still stops the file at ENOSPC
    pass_space_ = *space;
    pass_written_ = 0;
  }
  const std::int64_t free_bytes = pass_space_->free_bytes - pass_written_;
  const std::int64_t floor =
      std::min(pass_space_->total_bytes / 100 * config_.min_free_percent, config_.min_free_bytes);
  // Files being assembled have claims on what is free now: summed once a
  // pass, then kept (StartFile adds each job it starts; a change to a
  // held job's claim makes it be summed again). Summing 512 held jobs for
  // every file started was 3% of a small-file receiver's CPU.
  if (!pass_claimed_) {
    pass_claimed_ = 0;
    for (const auto& [name, job] : jobs_)
      *pass_claimed_ += std::max<std::int64_t>(job->unwritten, 0);
  }
  const std::int64_t claimed = *pass_claimed_;
  if (free_bytes >= need + claimed + floor) return {};
  return Fail(ErrorCode::kNoSpace,
              "disk full: needs " + std::to_string(need) + " bytes, " + std::to_string(free_bytes) +
                  " free (keeping " + std::to_string(floor) + " free" +
                  (claimed > 0 ? ", and " + std::to_string(claimed) + " for files being assembled"
                               : std::string()) +
                  ")");
}

std::set<std::string> Puller::HeldDirectories() const {
  std::set<std::string> out;
  for (const auto& [name, entry] : held_dirs_) out.insert(name);
  return out;
}

void Puller::RequestMissing(Job& job, PullPass& pass) {
  if (job.error || job.stale || job.filling || job.missing == 0) return;
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
  job.unwritten -= block.size;
  pass_claimed_.reset();  // a pass's sum, should a source answer within one
  received_blocks_++;
}

}  // namespace shoal
