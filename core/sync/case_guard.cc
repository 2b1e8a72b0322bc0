#include "core/sync/case_guard.h"

#include "core/base/log.h"
#include "core/fs/case_folding.h"
#include "core/sync/folder_guard.h"

namespace shoal {
namespace {

// "a", "a/b", "a/b/c" for "a/b/c": every directory of a name, then the name.
template <typename Visit>
Result<void> ForEachPrefix(const std::string& name, Visit visit) {
  for (std::size_t end = name.find('/');; end = name.find('/', end + 1)) {
    if (auto ok = visit(name.substr(0, end)); !ok) return ok;
    if (end == std::string::npos) return {};
  }
}

}  // namespace

void CaseGuard::BeginBatch(std::span<const FileInfo> files) {
  batch_.clear();
  deleted_.clear();
  if (folds_case_ == false) return;
  for (const FileInfo& f : files) {
    if (f.deleted) deleted_.insert(f.name);
  }
}

bool CaseGuard::FoldsCase() {
  if (folds_case_) return *folds_case_;
  auto probed = ProbeFoldsCase(fs_, kMarkerDir);
  if (probed) {
    folds_case_ = *probed;
    if (*probed) {
      SHOAL_LOG(kInfo) << "folder " << folder_id_
                       << ": its file system folds case; names from peers that differ only in "
                          "case from another are refused";
    }
    return *probed;
  }
  if (!probe_failure_logged_) {
    probe_failure_logged_ = true;
    SHOAL_LOG(kWarning) << "folder " << folder_id_ << ": " << probed.error().message
                        << "; names differing only in case are refused until it succeeds";
  }
  return true;
}

Result<void> CaseGuard::LoadNames() {
  if (names_loaded_) return {};
  auto listed = index_.ForEachGlobal(folder_key_, [&](GlobalFile&& g) {
    if (!g.file.deleted) names_.emplace(FoldCase(g.file.name), std::move(g.file.name));
    return true;
  });
  if (!listed) return listed.error().Wrap("case guard");
  names_loaded_ = true;
  return {};
}

Result<void> CaseGuard::Check(const FileInfo& f) {
  if (f.deleted || !FoldsCase()) return {};
  if (auto ok = LoadNames(); !ok) return ok;
  bool on_disk = true;  // every directory so far is on the disk
  return ForEachPrefix(f.name, [&](const std::string& path) -> Result<void> {
    auto twin = Twin(path, on_disk);
    if (!twin) return twin.error();
    if (!*twin) return {};
    const std::string what =
        path == f.name ? "'" + f.name + "'" : "'" + f.name + "': its directory '" + path + "'";
    return Fail(ErrorCode::kInvalidArgument, what + " differs only in case from '" + **twin +
                                                 "' (this folder's file system folds case)");
  });
}

Result<std::optional<std::string>> CaseGuard::Twin(const std::string& path, bool& on_disk) {
  const std::string folded = FoldCase(path);
  bool known = false;
  if (auto it = batch_.find(folded); it != batch_.end()) {
    if (it->second != path) return std::optional<std::string>(it->second);
    known = true;
  }
  auto [first, last] = names_.equal_range(folded);
  for (auto it = first; it != last; ++it) {
    if (it->second == path) {
      known = true;
      continue;
    }
    if (deleted_.count(it->second) > 0) continue;
    // Added while live; it may have been deleted since.
    auto global = index_.GetGlobal(folder_key_, it->second);
    if (!global) return global.error();
    if (*global && !(*global)->file.deleted) return std::optional<std::string>(it->second);
  }
  // A name the folder knows as it is was checked when it first came; the
  // disk is asked only about new ones (one lstat, a listing if it exists).
  if (known || !on_disk) return std::optional<std::string>();
  return TwinOnDisk(path, on_disk);
}

Result<std::optional<std::string>> CaseGuard::TwinOnDisk(const std::string& path, bool& on_disk) {
  auto st = fs_.Lstat(path);
  if (!st) {
    // Not there (nor anything beneath it), or the disk will not say: the
    // puller's own checks before it writes still stand.
    on_disk = false;
    return std::optional<std::string>();
  }
  // Something is there under this name or its twin: the directory's
  // listing holds the name as stored.
  const std::size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  auto entries = fs_.ListDir(parent);
  if (!entries) return std::optional<std::string>();
  const std::string folded = FoldCase(base);
  std::optional<std::string> twin;
  for (const DirEntry& entry : *entries) {
    if (entry.name == base) return std::optional<std::string>();  // itself, not yet scanned
    if (!twin && FoldCase(entry.name) == folded) twin = JoinPath(parent, entry.name);
  }
  return twin;
}

void CaseGuard::Accepted(const FileInfo& f) {
  if (f.deleted || folds_case_ == false) return;
  if (names_loaded_) {
    const std::string folded = FoldCase(f.name);
    auto [first, last] = names_.equal_range(folded);
    bool present = false;
    for (auto it = first; it != last && !present; ++it) present = it->second == f.name;
    if (!present) names_.emplace(folded, f.name);
  }
  (void)ForEachPrefix(f.name, [&](const std::string& path) -> Result<void> {
    batch_.emplace(FoldCase(path), path);
    return {};
  });
}

}  // namespace shoal
