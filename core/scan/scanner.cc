#include "core/scan/scanner.h"

#include "core/base/relative_path.h"
#include "core/scan/ignore_file.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/base/parallel_for.h"
#include "core/ignore/ignore_matcher.h"
#include "core/scan/file_hasher.h"
#include "core/scan/scan_diff.h"
#include "core/scan/walk.h"

namespace shoal {
namespace {

// Drops duplicates and paths beneath another path of the set.
std::vector<std::string> MinimalRoots(std::span<const std::string> paths) {
  std::vector<std::string> sorted(paths.begin(), paths.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> roots;
  for (const std::string& p : sorted) {
    bool covered = std::any_of(roots.begin(), roots.end(),
                               [&](const std::string& r) { return IsUnder(p, r); });
    if (!covered) roots.push_back(p);
  }
  return roots;
}

// True when `disk` (a scanned entry) is `global` byte for byte and bit for
// bit: type, content, size, mtime and permissions.
bool IsSameVersionOnDisk(const FileInfo& global, const FileInfo& disk) {
  if (global.deleted || disk.deleted || global.type != disk.type ||
      global.permissions != disk.permissions) {
    return false;
  }
  switch (global.type) {
    case FileType::kDirectory:
      return true;
    case FileType::kSymlink:
      return global.symlink_target == disk.symlink_target;
    case FileType::kFile:
      return global.size == disk.size && global.mtime_ns == disk.mtime_ns &&
             global.blocks == disk.blocks;
  }
  return false;
}

// Indexed names that the walk did not find become tombstones, except where
// the walk could not look (unreadable) or was told not to (ignored).
void AddTombstones(const WalkOutput& walk, const IgnoreMatcher& ignore,
                   const std::unordered_map<std::string, FileInfo>& indexed,
                   std::vector<FileInfo>& changes, ScanResult& result) {
  std::unordered_set<std::string_view> found;
  found.reserve(walk.entries.size());
  for (const FoundEntry& e : walk.entries) found.insert(e.path);
  for (const auto& [name, old] : indexed) {
    if (old.deleted || found.count(name) != 0) continue;
    bool unreadable = std::any_of(walk.unreadable.begin(), walk.unreadable.end(),
                                  [&](const std::string& u) { return IsUnder(name, u); });
    if (unreadable || ignore.IsIgnored(name, old.type == FileType::kDirectory)) continue;
    changes.push_back(MakeTombstone(old));
    result.deleted++;
    if (old.type == FileType::kFile && old.size >= kRemovedFileReportBytes &&
        result.removed_files.size() < kRemovedFilesReported) {
      result.removed_files.push_back(name);
    }
  }
}

}  // namespace

ScanProblemKind ProblemKindOf(const Error& error) {
  return error.code == ErrorCode::kUnauthorized ? ScanProblemKind::kPermissionDenied
                                                : ScanProblemKind::kIo;
}

Result<void> Scanner::CheckPreconditions() {
  // A missing or replaced root (unmounted disk, deleted folder) must fail the
  // scan: walking it would find nothing and turn every entry into a
  // tombstone that peers then apply.
  auto root = fs_.Lstat("");
  if (!root) return root.error().Wrap("folder root is missing (not mounted?); nothing was changed");
  if (root->kind != EntryKind::kDirectory) {
    return Fail(ErrorCode::kNotFound, "folder root is not a directory; nothing was changed");
  }
  auto local = index_.LocalDeviceKey();
  if (!local) return local.error();
  if (*local == DeviceKey() || *local != config_.local_device_key) {
    return Fail(ErrorCode::kInvalidArgument,
                "scan config names device key " + std::to_string(config_.local_device_key.value) +
                    " but the index's local device is " + std::to_string(local->value));
  }
  return {};
}

Result<void> Scanner::AcceptHashed(const FoundEntry& found, HashedFile&& hashed,
                                   const std::unordered_map<std::string, FileInfo>& indexed,
                                   std::vector<FileInfo>& changes, ScanResult& result) {
  FoundEntry current = found;
  current.stat = hashed.stat;
  FileInfo info = FromDisk(current);
  info.blocks = std::move(hashed.blocks);
  result.hashed_files++;
  result.hashed_bytes += info.size;
  result.hashed_blocks += static_cast<std::int64_t>(info.blocks.size());
  // Racy: modified so recently that a rewrite within the same timestamp
  // tick, after our read, would leave size, mtime and inode unchanged. The
  // entry is stored with inode 0 ("not verified"), which forces the next
  // scan to read it again; the caller rescans `racy` paths shortly.
  bool racy = clock_.NowUnixNanos() - hashed.stat.mtime_ns < kRacyWindow.count();
  if (racy) {
    info.inode = 0;
    result.racy.push_back(found.path);
  }
  auto old = indexed.find(found.path);
  if (old != indexed.end() && !old->second.deleted && old->second.inode == 0) {
    // Re-reading an unverified entry: same content and metadata is not a
    // new version, only a now-verified inode.
    auto full = index_.GetFile(config_.folder_key, config_.local_device_key, found.path);
    if (!full) return full.error();
    const FileInfo& was = **full;
    if (was.type == info.type && was.size == info.size && was.mtime_ns == info.mtime_ns &&
        was.permissions == info.permissions && was.blocks == info.blocks) {
      if (racy) return {};
      return index_.SetLocalInode(config_.folder_key, config_.local_device_key, found.path,
                                  info.inode);
    }
  }
  changes.push_back(std::move(info));
  return {};
}

Result<void> Scanner::DecideVersions(const std::unordered_map<std::string, FileInfo>& indexed,
                                     std::span<FileInfo> changes) {
  const std::uint64_t now = clock_.NowUnixSeconds();
  for (FileInfo& change : changes) {
    // The disk now holds exactly the global version (the puller renamed it
    // into place and stopped before its index commit, say): that version,
    // not a new one, or every device would see a change nobody made.
    auto global = index_.GetGlobal(config_.folder_key, change.name);
    if (!global) return global.error();
    if (*global && IsSameVersionOnDisk((*global)->file, change)) {
      change.version = (*global)->file.version;
      continue;
    }
    auto old = indexed.find(change.name);
    if (old != indexed.end()) change.version = old->second.version;
    change.version.Bump(config_.local_short_id, now);
  }
  return {};
}

Result<IgnoreMatcher> Scanner::LoadRules(std::vector<ScanProblem>& problems) {
  auto rules = config_.ignore_rules ? config_.ignore_rules->Load(fs_) : LoadIgnoreRules(fs_);
  if (!rules) return rules;
  if (config_.ignore_rules && !config_.ignore_rules->problem().empty()) {
    problems.push_back({ScanProblemKind::kIo, kIgnoreFileName,
                        "keeping the last good ignore rules: " + config_.ignore_rules->problem()});
  }
  return rules;
}

void MergeScanResult(ScanResult& into, ScanResult&& part) {
  into.files += part.files;
  into.directories += part.directories;
  into.symlinks += part.symlinks;
  into.bytes += part.bytes;
  into.changed += part.changed;
  into.deleted += part.deleted;
  into.hashed_files += part.hashed_files;
  into.hashed_bytes += part.hashed_bytes;
  into.hashed_blocks += part.hashed_blocks;
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(into.problems, part.problems);
  append(into.unstable, part.unstable);
  append(into.racy, part.racy);
  into.temp_dirs.merge(part.temp_dirs);
  into.walked_all = into.walked_all || part.walked_all;
  for (std::string& name : part.removed_files) {
    if (into.removed_files.size() < kRemovedFilesReported) into.removed_files.push_back(name);
  }
  into.walk_time += part.walk_time;
  into.hash_time += part.hash_time;
  into.commit_time += part.commit_time;
}

Result<ScanResult> Scanner::ScanAll() {
  const std::string root;
  return ScanPaths(std::span<const std::string>(&root, 1));
}

ScanPlan::ScanPlan(std::unique_ptr<State> state) : state_(std::move(state)) {}
ScanPlan::ScanPlan(ScanPlan&&) noexcept = default;
ScanPlan& ScanPlan::operator=(ScanPlan&&) noexcept = default;
ScanPlan::~ScanPlan() = default;

std::int64_t ScanPlan::files_to_hash() const {
  return static_cast<std::int64_t>(state_->to_hash.size());
}

std::int64_t ScanPlan::bytes_to_hash() const { return state_->bytes_to_hash; }

std::int64_t ScanPlan::files_to_delete() const {
  return std::count_if(state_->changes.begin(), state_->changes.end(),
                       [](const FileInfo& f) { return f.deleted && f.type == FileType::kFile; });
}

// Files below kParallelHashBytes are hashed side by side, one per thread;
// then each larger one in turn on all threads (core/hash/parallel_block_hash.h),
// so one big file does not leave the other cores idle and the threads in
// use never exceed hash_threads.
void ScanPlan::Hash(ScanProgress* progress) {
  State& s = *state_;
  s.hashed.assign(s.to_hash.size(), HashedFile{});
  const int threads = s.config.hash_threads;
  std::vector<std::size_t> each_alone;
  std::vector<std::size_t> side_by_side;
  for (std::size_t j = 0; j < s.to_hash.size(); ++j) {
    const bool big = threads > 1 && s.walk.entries[s.to_hash[j]].stat.size >= kParallelHashBytes;
    (big ? each_alone : side_by_side).push_back(j);
  }
  auto hash = [&](std::size_t j, int threads_for_file) {
    const std::string& path = s.walk.entries[s.to_hash[j]].path;
    if (progress != nullptr && progress->cancel.load()) {
      s.hashed[j].error = Error{ErrorCode::kCancelled, "scan cancelled"};
      return;
    }
    s.hashed[j] = HashFile(*s.fs, path, s.config.hash_seed, s.config.read_attempts, progress,
                           threads_for_file);
    if (progress != nullptr) progress->files_done.fetch_add(1);
  };
  ParallelFor(side_by_side.size(), threads, [&](std::size_t i) { hash(side_by_side[i], 1); });
  for (std::size_t j : each_alone) hash(j, threads);
  s.hashed_at = std::chrono::steady_clock::now();
}

Result<ScanResult> Scanner::ScanPaths(std::span<const std::string> paths) {
  auto plan = Plan(paths);
  if (!plan) return plan.error();
  plan->Hash(nullptr);
  return Finish(std::move(*plan));
}

Result<ScanPlan> Scanner::Plan(std::span<const std::string> paths) {
  auto state = std::make_unique<ScanPlan::State>();
  ScanPlan::State& s = *state;
  s.fs = &fs_;
  s.config = config_;
  s.started = std::chrono::steady_clock::now();
  ScanResult& result = s.result;

  if (auto ok = CheckPreconditions(); !ok) return ok.error().Wrap("scan");

  // 1. The ignore rules, read fresh each scan so edits take effect at once.
  auto rules = LoadRules(s.walk.problems);
  if (!rules) return rules.error().Wrap("scan");
  const IgnoreMatcher& ignore = *rules;

  // 2. Walk the disk and load what the index says about the same paths.
  const std::vector<std::string> roots = MinimalRoots(paths);
  for (const std::string& root : roots) {
    Walk(fs_, ignore, root, s.walk, config_.cancel);
    if (s.walk.cancelled) return Fail(ErrorCode::kCancelled, "scan cancelled");
    auto entries = index_.ListMetadataUnder(config_.folder_key, config_.local_device_key, root);
    if (!entries) return entries.error().Wrap("scan");
    for (FileInfo& f : *entries) s.indexed.emplace(f.name, std::move(f));
  }
  result.problems = std::move(s.walk.problems);
  result.temp_dirs = std::move(s.walk.temp_dirs);
  result.walked_all = roots.size() == 1 && roots[0].empty();

  // 3. Diff: what is new or changed, and what is gone.
  for (std::size_t i = 0; i < s.walk.entries.size(); ++i) {
    const FoundEntry& found = s.walk.entries[i];
    CountPresent(found, result);
    auto it = s.indexed.find(found.path);
    const FileInfo* old = it == s.indexed.end() ? nullptr : &it->second;
    Change change = Compare(found, old, config_.held_dirs.count(found.path) != 0);
    if (change == Change::kNone) continue;
    if (found.stat.kind == EntryKind::kFile && change == Change::kContent) {
      s.to_hash.push_back(i);
      s.bytes_to_hash += found.stat.size;
      continue;
    }
    FileInfo info = FromDisk(found);
    if (found.stat.kind == EntryKind::kFile) {  // permissions only: keep the blocks
      auto full = index_.GetFile(config_.folder_key, config_.local_device_key, found.path);
      if (!full) return full.error().Wrap("scan");
      if (*full) info.blocks = std::move((*full)->blocks);
    }
    s.changes.push_back(std::move(info));
  }
  AddTombstones(s.walk, ignore, s.indexed, s.changes, result);
  s.walked = std::chrono::steady_clock::now();
  s.hashed_at = s.walked;
  result.walk_time = s.walked - s.started;
  return ScanPlan(std::move(state));
}

Result<ScanResult> Scanner::Finish(ScanPlan plan) {
  for (;;) {
    auto step = FinishStep(plan);
    if (!step) return step.error();
    if (*step) return std::move(**step);
  }
}

Result<std::optional<ScanResult>> Scanner::FinishStep(ScanPlan& plan, std::size_t max_entries) {
  ScanPlan::State& s = *plan.state_;
  ScanResult& result = s.result;
  if (!s.prepared) {
    s.committing = std::chrono::steady_clock::now();
    result.hash_time = s.hashed_at - s.walked;
    // 4. Keep what read cleanly (a plan never hashed has nothing to keep).
    for (std::size_t j = 0; j < s.hashed.size(); ++j) {
      const FoundEntry& found = s.walk.entries[s.to_hash[j]];
      HashedFile& h = s.hashed[j];
      if (h.outcome == HashedFile::Outcome::kUnstable) {
        result.unstable.push_back(found.path);
        result.problems.push_back(
            {ScanProblemKind::kChangedWhileRead, found.path,
             "'" + found.path + "' kept changing while being read; will retry"});
        continue;
      }
      if (h.outcome == HashedFile::Outcome::kFailed) {
        if (h.error.code == ErrorCode::kCancelled) continue;
        result.problems.push_back({ProblemKindOf(h.error), found.path, h.error.message});
        continue;
      }
      auto ok = AcceptHashed(found, std::move(h), s.indexed, s.changes, result);
      if (!ok) return ok.error().Wrap("scan");
    }
    // 5. Commit in name order (every directory before its children), one
    // batch per step: decide the versions, then one transaction.
    std::sort(s.changes.begin(), s.changes.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    result.changed = static_cast<std::int64_t>(s.changes.size()) - result.deleted;
    s.prepared = true;
  }
  const std::size_t batch =
      std::max<std::size_t>(max_entries != 0 ? max_entries : config_.batch_size, 1);
  if (s.committed < s.changes.size()) {
    std::span<FileInfo> part(s.changes.data() + s.committed,
                             std::min(batch, s.changes.size() - s.committed));
    if (auto ok = DecideVersions(s.indexed, part); !ok) return ok.error().Wrap("scan");
    // Lost to a power loss, these entries are found again by the next
    // scan; they are synced before any peer is told of them (AnnounceTo).
    DeferredSync deferred(index_.db());
    auto ok = index_.PutFiles(config_.folder_key, config_.local_device_key, part);
    if (!ok) return ok.error().Wrap("scan");
    s.committed += part.size();
  }
  if (s.committed < s.changes.size()) return std::optional<ScanResult>();
  auto done = std::chrono::steady_clock::now();
  result.commit_time = done - s.committing;
  result.elapsed = done - s.started;
  return std::optional<ScanResult>(std::move(result));
}

}  // namespace shoal
