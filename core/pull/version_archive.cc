#include "core/pull/version_archive.h"

#include <algorithm>

#include "core/base/relative_path.h"
#include "core/pull/version_name.h"

namespace shoal {
namespace {

constexpr int kMaxClashes = 1000;  // versions of one name kept within one second

// The archive directory that holds the versions of `path`.
std::string ArchiveDirFor(const std::string& path) {
  std::string parent = ParentOf(path);
  return parent.empty() ? std::string(kVersionsDir) : std::string(kVersionsDir) + "/" + parent;
}

// Oldest first; within one second the clash number counts ("-2" before "-10").
bool Older(const KeptVersion& a, const KeptVersion& b) {
  if (a.unix_seconds != b.unix_seconds) return a.unix_seconds < b.unix_seconds;
  if (a.stored.size() != b.stored.size()) return a.stored.size() < b.stored.size();
  return a.stored < b.stored;
}

}  // namespace

Result<std::string> VersionArchive::Keep(const std::string& path,
                                         std::set<std::string>* unsynced_dirs) {
  if (auto ok = CheckEntryPath(path, "keep a version"); !ok) return ok.error();
  auto st = fs_.Lstat(path);
  if (!st) return st.error();
  if (st->kind == EntryKind::kDirectory) {
    return Fail(ErrorCode::kInvalidArgument, "cannot keep directory '" + path + "' as a version");
  }
  const std::string dir = ArchiveDirFor(path);
  if (auto ok = MakeDirs(dir); !ok) return ok.error().Wrap("keep a version of '" + path + "'");
  const auto now = static_cast<std::int64_t>(clock_.NowUnixSeconds());
  std::string stored;
  for (int clash = 0;; ++clash) {
    stored = std::string(kVersionsDir) + "/" + VersionNameFor(path, now, clash);
    auto moved = fs_.RenameNoReplace(path, stored);
    if (moved) break;
    if (moved.error().code != ErrorCode::kConflict || clash >= kMaxClashes) {
      return moved.error().Wrap("keep a version of '" + path + "'");
    }
  }
  // Durable before the caller replaces the name: a crash after the
  // replacement must still find the old content here.
  if (unsynced_dirs) {
    unsynced_dirs->insert(dir);
  } else if (auto ok = fs_.SyncDir(dir); !ok) {
    return ok.error();
  }
  return stored;
}

Result<void> VersionArchive::MakeDirs(const std::string& dir) {
  std::size_t end = 0;
  while (end != std::string::npos) {
    end = dir.find('/', end + 1);
    const std::string prefix = dir.substr(0, end);
    auto st = fs_.Lstat(prefix);
    if (st && st->kind == EntryKind::kDirectory) continue;
    if (st) return Fail(ErrorCode::kConflict, "'" + prefix + "' is not a directory");
    if (st.error().code != ErrorCode::kNotFound) return st.error();
    auto made = fs_.MakeDir(prefix, 0700);
    if (!made && made.error().code != ErrorCode::kConflict) return made;
    if (auto ok = fs_.SyncDir(ParentOf(prefix)); !ok) return ok;
  }
  return {};
}

Result<std::vector<KeptVersion>> VersionArchive::List(const std::string& path) {
  std::vector<KeptVersion> all;
  if (auto ok = Walk(path.empty() ? std::string(kVersionsDir) : ArchiveDirFor(path), all); !ok) {
    return ok.error().Wrap("list versions");
  }
  std::vector<KeptVersion> out;
  for (KeptVersion& v : all) {
    if (path.empty() || v.path == path ||
        (v.path.size() > path.size() && v.path.starts_with(path) && v.path[path.size()] == '/')) {
      out.push_back(std::move(v));
    }
  }
  std::sort(out.begin(), out.end(), [](const KeptVersion& a, const KeptVersion& b) {
    return a.path != b.path ? a.path < b.path : Older(a, b);
  });
  return out;
}

Result<void> VersionArchive::Walk(const std::string& dir, std::vector<KeptVersion>& out) {
  auto entries = fs_.ListDir(dir);
  if (!entries) {
    return entries.error().code == ErrorCode::kNotFound ? Result<void>() : entries.error();
  }
  const std::size_t root_length = std::string_view(kVersionsDir).size() + 1;
  for (const DirEntry& e : *entries) {
    const std::string stored = JoinPath(dir, e.name);
    if (e.stat.kind == EntryKind::kDirectory) {
      if (auto ok = Walk(stored, out); !ok) return ok;
      continue;
    }
    auto parsed = ParseVersionName(std::string_view(stored).substr(root_length));
    if (!parsed) continue;  // not ours: left alone
    out.push_back(
        {std::move(parsed->path), stored, parsed->unix_seconds, e.stat.size, e.stat.kind});
  }
  return {};
}

Result<Restored> VersionArchive::Restore(const std::string& path, std::optional<std::int64_t> at) {
  if (auto ok = CheckEntryPath(path, "restore"); !ok) return ok.error();
  auto listed = List(path);
  if (!listed) return listed.error();
  std::optional<KeptVersion> chosen;
  for (KeptVersion& v : *listed) {
    if (v.path != path || (at && v.unix_seconds > *at)) continue;
    if (!chosen || Older(*chosen, v)) chosen = std::move(v);
  }
  if (!chosen) {
    if (at) {
      return Fail(ErrorCode::kNotFound,
                  "no version of '" + path + "' was kept at or before " + FormatUtcTime(*at));
    }
    return Fail(ErrorCode::kNotFound, "no version of '" + path + "' is kept");
  }
  Restored restored;
  auto st = fs_.Lstat(path);
  if (st && st->kind == EntryKind::kDirectory) {
    return Fail(ErrorCode::kConflict,
                "'" + path + "' is a directory now — move it away before restoring the file");
  }
  if (st) {
    auto kept = Keep(path);
    if (!kept) return kept.error();
    restored.kept_current = std::move(*kept);
  } else if (st.error().code != ErrorCode::kNotFound) {
    return st.error();
  }
  restored.scan_root = path;
  auto placed = MakeParents(path, restored.scan_root);
  if (placed) placed = fs_.RenameNoReplace(chosen->stored, path);
  if (!placed) {
    if (!restored.kept_current.empty()) {
      (void)fs_.RenameNoReplace(restored.kept_current, path);  // as it was; best effort
    }
    return placed.error().Wrap("restore '" + path + "'");
  }
  if (auto ok = fs_.SyncDir(ParentOf(path)); !ok) return ok.error();
  if (auto ok = fs_.SyncDir(ParentOf(chosen->stored)); !ok) return ok.error();
  restored.version = std::move(*chosen);
  return restored;
}

Result<void> VersionArchive::MakeParents(const std::string& path, std::string& topmost) {
  const std::string parent = ParentOf(path);
  if (parent.empty()) return {};
  auto st = fs_.Lstat(parent);
  if (st && st->kind == EntryKind::kDirectory) return {};
  if (st) return Fail(ErrorCode::kConflict, "'" + parent + "' is not a directory");
  if (st.error().code != ErrorCode::kNotFound) return st.error();
  topmost = parent;
  if (auto ok = MakeParents(parent, topmost); !ok) return ok;
  auto made = fs_.MakeDir(parent, 0755);
  if (!made && made.error().code != ErrorCode::kConflict) return made;
  return fs_.SyncDir(ParentOf(parent));
}

Result<std::int64_t> VersionArchive::Prune(std::int64_t keep_seconds) {
  const std::int64_t cutoff = static_cast<std::int64_t>(clock_.NowUnixSeconds()) - keep_seconds;
  bool empty = false;
  auto removed = PruneDir(kVersionsDir, cutoff, empty);
  if (!removed) return removed.error().Wrap("prune versions");
  return removed;
}

Result<std::int64_t> VersionArchive::PruneDir(const std::string& dir, std::int64_t cutoff,
                                              bool& empty) {
  auto entries = fs_.ListDir(dir);
  if (!entries) {
    empty = false;
    if (entries.error().code == ErrorCode::kNotFound) return std::int64_t{0};
    return entries.error();
  }
  const std::size_t root_length = std::string_view(kVersionsDir).size() + 1;
  std::int64_t removed = 0;
  std::size_t left = entries->size();
  for (const DirEntry& e : *entries) {
    const std::string stored = JoinPath(dir, e.name);
    if (e.stat.kind == EntryKind::kDirectory) {
      bool below_empty = false;
      auto below = PruneDir(stored, cutoff, below_empty);
      if (!below) return below;
      removed += *below;
      if (below_empty && fs_.RemoveDir(stored)) left--;
      continue;
    }
    auto parsed = ParseVersionName(std::string_view(stored).substr(root_length));
    if (!parsed || parsed->unix_seconds >= cutoff) continue;
    auto gone = fs_.RemoveFile(stored);
    if (!gone && gone.error().code != ErrorCode::kNotFound) return gone.error();
    removed++;
    left--;
  }
  empty = left == 0;
  return removed;
}

Result<std::optional<std::string>> KeepReplacedVersion(FileSystem& fs, Clock& clock,
                                                       const std::optional<FileInfo>& local,
                                                       const FileInfo* replacement,
                                                       std::set<std::string>* unsynced_dirs) {
  if (!local || local->deleted || local->type == FileType::kDirectory)
    return std::optional<std::string>();
  if (replacement && !replacement->deleted && replacement->type == local->type &&
      replacement->blocks == local->blocks &&
      replacement->symlink_target == local->symlink_target) {
    return std::optional<std::string>();  // the content stays
  }
  auto kept = VersionArchive(fs, clock).Keep(local->name, unsynced_dirs);
  if (!kept) {
    if (kept.error().code == ErrorCode::kNotFound) return std::optional<std::string>();
    return kept.error();
  }
  return std::optional<std::string>(std::move(*kept));
}

}  // namespace shoal
