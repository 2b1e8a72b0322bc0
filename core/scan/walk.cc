#include "core/scan/walk.h"

#include <algorithm>
#include <unordered_map>

#include "core/base/temp_name.h"
#include "core/base/utf8.h"
#include "core/model/file_info.h"

namespace shoal {
namespace {

std::string AsciiLower(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

}  // namespace

SortedWalk::SortedWalk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root,
                       const std::atomic<bool>* cancel)
    : fs_(fs), ignore_(ignore), cancel_(cancel) {
  auto stat = fs_.Lstat(root);
  if (!stat) {
    // Gone: the caller turns what was indexed into tombstones.
    if (stat.error().code != ErrorCode::kNotFound) Unreadable(root, stat.error());
    return;
  }
  std::vector<Item> frame;
  Add(root, *stat, frame);
  std::reverse(frame.begin(), frame.end());
  frames_.push_back(std::move(frame));
}

void SortedWalk::Add(const std::string& path, const FileStat& found, std::vector<Item>& frame) {
  // Only the 0777 bits are part of a version (docs/reliability.md):
  // setuid, setgid and sticky are never recorded, so never sent.
  FileStat stat = found;
  stat.permissions &= kSyncedPermissionBits;
  const bool is_dir = stat.kind == EntryKind::kDirectory;
  if (!path.empty() && ignore_.IsIgnored(path, is_dir)) return;
  switch (stat.kind) {
    case EntryKind::kSpecial:
      report_.problems.push_back(
          {ScanProblemKind::kSpecialFile, path,
           "'" + path + "' is not a regular file, directory or symlink; skipped"});
      return;
    case EntryKind::kSymlink: {
      auto target = fs_.ReadLink(path);
      if (!target) return Unreadable(path, target.error());
      frame.push_back({path, false, {path, stat, std::move(*target)}});
      return;
    }
    case EntryKind::kFile:
      frame.push_back({path, false, {path, stat, {}}});
      return;
    case EntryKind::kDirectory:
      if (!path.empty()) frame.push_back({path, false, {path, stat, {}}});
      frame.push_back({path.empty() ? path : path + "/", true, {path, stat, {}}});
      return;
  }
}

void SortedWalk::List(const std::string& dir) {
  if (report_.cancelled || (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))) {
    report_.cancelled = true;
    frames_.clear();
    return;
  }
  auto entries = fs_.ListDir(dir);
  if (!entries) return Unreadable(dir, entries.error());
  std::sort(entries->begin(), entries->end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  std::unordered_map<std::string, const std::string*> folded;
  std::vector<Item> frame;
  for (const DirEntry& entry : *entries) {
    const std::string& name = entry.name;
    if (IsTempName(name) && entry.stat.kind != EntryKind::kDirectory) report_.temp_dirs.insert(dir);
    std::string path = JoinPath(dir, name);
    if (!IsValidUtf8(name)) {
      report_.problems.push_back(
          {ScanProblemKind::kInvalidName, EscapeInvalidUtf8(path),
           "'" + EscapeInvalidUtf8(path) + "' is not valid UTF-8 and cannot be synced; rename it"});
      continue;
    }
    auto [it, inserted] = folded.emplace(AsciiLower(name), &name);
    if (!inserted) {
      report_.problems.push_back(
          {ScanProblemKind::kCaseConflict, path,
           "'" + path + "' and '" + JoinPath(dir, *it->second) +
               "' differ only in case; devices with case-insensitive file systems "
               "cannot hold both"});
    }
    Add(path, entry.stat, frame);
  }
  std::sort(frame.begin(), frame.end(), [](const Item& a, const Item& b) { return a.key > b.key; });
  frames_.push_back(std::move(frame));
}

const FoundEntry* SortedWalk::Next() {
  while (!frames_.empty()) {
    std::vector<Item>& frame = frames_.back();
    if (frame.empty()) {
      frames_.pop_back();
      continue;
    }
    Item item = std::move(frame.back());
    frame.pop_back();
    if (!item.listing) {
      current_ = std::move(item.entry);
      return &current_;
    }
    List(item.entry.path);  // may push a frame: `frame` is not used after this
  }
  return nullptr;
}

void SortedWalk::Unreadable(const std::string& path, const Error& error) {
  report_.problems.push_back({ProblemKindOf(error), path, error.message});
  report_.unreadable.push_back(path);
}

void Walk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root, WalkOutput& out,
          const std::atomic<bool>* cancel) {
  SortedWalk walk(fs, ignore, root, cancel);
  while (const FoundEntry* entry = walk.Next()) out.entries.push_back(*entry);
  WalkOutput& report = walk.report();
  for (ScanProblem& p : report.problems) out.problems.push_back(std::move(p));
  for (std::string& u : report.unreadable) out.unreadable.push_back(std::move(u));
  out.temp_dirs.merge(report.temp_dirs);
  out.cancelled = out.cancelled || report.cancelled;
}

}  // namespace shoal
