#include "core/scan/walk.h"

#include <algorithm>

#include <unordered_map>
#include "core/model/file_info.h"

#include "core/base/utf8.h"

namespace shoal {
namespace {

std::string AsciiLower(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

class Walker {
 public:
  Walker(FileSystem& fs, const IgnoreMatcher& ignore, WalkOutput& out,
         const std::atomic<bool>* cancel)
      : fs_(fs), ignore_(ignore), out_(out), cancel_(cancel) {}

  // Visits a scan root: looks it up first.
  void VisitRoot(const std::string& path) {
    auto stat = fs_.Lstat(path);
    if (!stat) {
      if (stat.error().code == ErrorCode::kNotFound) return;  // gone: the caller tombstones
      Unreadable(path, stat.error());
      return;
    }
    Visit(path, *stat);
  }

 private:
  void Visit(const std::string& path, const FileStat& found) {
    // Only the 0777 bits are part of a version (docs/reliability.md):
    // setuid, setgid and sticky are never recorded, so never sent.
    FileStat stat = found;
    stat.permissions &= kSyncedPermissionBits;
    bool is_dir = stat.kind == EntryKind::kDirectory;
    if (!path.empty() && ignore_.IsIgnored(path, is_dir)) return;
    switch (stat.kind) {
      case EntryKind::kSpecial:
        out_.problems.push_back(
            {ScanProblemKind::kSpecialFile, path,
             "'" + path + "' is not a regular file, directory or symlink; skipped"});
        return;
      case EntryKind::kSymlink: {
        auto target = fs_.ReadLink(path);
        if (!target) return Unreadable(path, target.error());
        out_.entries.push_back({path, stat, std::move(*target)});
        return;
      }
      case EntryKind::kFile:
        out_.entries.push_back({path, stat, {}});
        return;
      case EntryKind::kDirectory:
        if (!path.empty()) out_.entries.push_back({path, stat, {}});
        VisitChildren(path);
        return;
    }
  }

  void VisitChildren(const std::string& dir) {
    if (out_.cancelled || (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))) {
      out_.cancelled = true;
      return;
    }
    auto entries = fs_.ListDir(dir);
    if (!entries) return Unreadable(dir, entries.error());
    std::sort(entries->begin(), entries->end(),  // deterministic order
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    std::unordered_map<std::string, const std::string*> folded;
    for (const DirEntry& entry : *entries) {
      const std::string& name = entry.name;
      std::string path = JoinPath(dir, name);
      if (!IsValidUtf8(name)) {
        out_.problems.push_back({ScanProblemKind::kInvalidName, EscapeInvalidUtf8(path),
                                 "'" + EscapeInvalidUtf8(path) +
                                     "' is not valid UTF-8 and cannot be synced; rename it"});
        continue;
      }
      auto [it, inserted] = folded.emplace(AsciiLower(name), &name);
      if (!inserted) {
        out_.problems.push_back(
            {ScanProblemKind::kCaseConflict, path,
             "'" + path + "' and '" + JoinPath(dir, *it->second) +
                 "' differ only in case; devices with case-insensitive file systems "
                 "cannot hold both"});
      }
      Visit(path, entry.stat);
    }
  }

  void Unreadable(const std::string& path, const Error& error) {
    out_.problems.push_back({ProblemKindOf(error), path, error.message});
    out_.unreadable.push_back(path);
  }

  FileSystem& fs_;
  const IgnoreMatcher& ignore_;
  WalkOutput& out_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

void Walk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root, WalkOutput& out,
          const std::atomic<bool>* cancel) {
  Walker(fs, ignore, out, cancel).VisitRoot(root);
}

}  // namespace shoal
