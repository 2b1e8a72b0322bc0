#include "core/pull/conflict_keep.h"

#include <algorithm>

#include "core/base/relative_path.h"
#include "core/pull/version_archive.h"
#include "core/version/conflict.h"

namespace shoal {
namespace {

// The file or symlink at `name`; kConflict for a directory or anything else.
Result<void> CheckKeepable(FileSystem& fs, const std::string& name) {
  auto st = fs.Lstat(name);
  if (!st) return st.error();
  if (st->kind != EntryKind::kFile && st->kind != EntryKind::kSymlink) {
    return Fail(ErrorCode::kConflict, "'" + name + "' is not a file");
  }
  return {};
}

// The copy takes the original's name; the original (if any) is kept first.
Result<ConflictKept> KeepCopy(FileSystem& fs, Clock& clock, const std::string& copy,
                              const std::string& original) {
  ConflictKept kept{original, true, {}, {original, copy}};
  auto there = fs.Lstat(original);
  if (there && there->kind == EntryKind::kDirectory) {
    return Fail(ErrorCode::kConflict,
                "a directory is at '" + original + "': move it away before keeping '" + copy + "'");
  }
  if (!there && there.error().code != ErrorCode::kNotFound) return there.error();
  if (there) {
    auto stored = VersionArchive(fs, clock).Keep(original);
    if (!stored) return stored.error();
    kept.versions.push_back({original, *stored});
  }
  if (auto moved = fs.RenameNoReplace(copy, original); !moved) {
    std::string where = kept.versions.empty() ? ""
                                              : " (the file that was there is kept at " +
                                                    kept.versions[0].stored + ")";
    return moved.error().Wrap("keep '" + copy + "'" + where);
  }
  if (auto synced = fs.SyncDir(ParentOf(original)); !synced) return synced.error();
  return kept;
}

}  // namespace

Result<std::vector<std::string>> ConflictCopiesOf(FileSystem& fs, const std::string& original) {
  const std::string dir = ParentOf(original);
  auto entries = fs.ListDir(dir);
  if (!entries) return entries.error();
  std::vector<std::string> copies;
  for (const DirEntry& e : *entries) {
    if (e.stat.kind != EntryKind::kFile && e.stat.kind != EntryKind::kSymlink) continue;
    std::string name = JoinPath(dir, e.name);
    if (ConflictOriginalName(name) == original) copies.push_back(std::move(name));
  }
  std::sort(copies.begin(), copies.end());
  return copies;
}

Result<ConflictKept> KeepConflictSide(FileSystem& fs, Clock& clock, const std::string& name,
                                      const std::string& only_copy) {
  if (auto ok = CheckEntryPath(name, "keep"); !ok) return ok.error();
  if (auto ok = CheckKeepable(fs, name); !ok) return ok.error();
  if (std::string original = ConflictOriginalName(name); !original.empty()) {
    return KeepCopy(fs, clock, name, original);
  }
  auto copies = ConflictCopiesOf(fs, name);
  if (!copies) return copies.error();
  if (!only_copy.empty()) {
    if (std::find(copies->begin(), copies->end(), only_copy) == copies->end()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "'" + only_copy + "' is not a conflict copy of '" + name + "' in the folder");
    }
    copies->assign(1, only_copy);
  }
  if (copies->empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + name + "' is neither a conflict copy nor has one — nothing to resolve");
  }
  ConflictKept kept{name, false, {}, {}};
  VersionArchive archive(fs, clock);
  for (const std::string& copy : *copies) {
    auto stored = archive.Keep(copy);
    if (!stored) return stored.error().Wrap("keep '" + name + "'");
    kept.versions.push_back({copy, *stored});
    kept.rescan.push_back(copy);
  }
  return kept;
}

}  // namespace shoal
