// CaseGuard: on a folder whose file system folds case (core/fs/case_folding.h),
// refuses a peer's entry whose name, or one of whose directories, differs
// only in case from another live name: one in the folder's global index,
// one accepted earlier in the same batch, or one on the disk that no scan
// has recorded yet. Written, it would land on that other file and replace
// it. On a case-sensitive folder it refuses nothing (both names are two
// files there, as on the peer).
//
// The file system is probed once, on the first batch with a live entry
// (or told, for tests); the folder's names are read from the store once
// too and kept, folded, for as long as the engine lives, only on folders
// that fold case. Deleted entries are never refused: a tombstone writes
// nothing.
//
// Thread: the engine's.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/model/file_info.h"
#include "core/model/store_keys.h"
#include "core/store/index.h"

namespace shoal {

class CaseGuard {
 public:
  // `folds_case`: nullopt to probe the disk (in the folder's `.shoal`).
  CaseGuard(FileSystem& fs, Index& index, FolderKey folder_key, std::string folder_id,
            std::optional<bool> folds_case)
      : fs_(fs),
        index_(index),
        folder_key_(folder_key),
        folder_id_(std::move(folder_id)),
        folds_case_(folds_case) {}

  // A new batch: the previous one's names are in the store now. A name the
  // batch deletes is no twin for the others (a rename that changes only
  // case, from a case-sensitive device: the old name goes as the new comes).
  void BeginBatch(std::span<const FileInfo> files);
  // kInvalidArgument ("'Report.txt' differs only in case from 'report.txt'")
  // to refuse `f`; another code when the store failed.
  Result<void> Check(const FileInfo& f);
  // `f` was accepted: later entries of the batch, and later batches, see it.
  void Accepted(const FileInfo& f);

 private:
  // The probe's answer; while it cannot be had, true (guard, ask again).
  bool FoldsCase();
  Result<void> LoadNames();
  // Another live name that `path` (the entry's name or one of its
  // directories) would land on, if any.
  Result<std::optional<std::string>> Twin(const std::string& path, bool& on_disk);
  Result<std::optional<std::string>> TwinOnDisk(const std::string& path, bool& on_disk);

  FileSystem& fs_;
  Index& index_;
  FolderKey folder_key_;
  std::string folder_id_;  // for logs
  std::optional<bool> folds_case_;
  bool probe_failure_logged_ = false;
  bool names_loaded_ = false;
  std::unordered_multimap<std::string, std::string> names_;  // folded -> name, live when added
  std::unordered_map<std::string, std::string> batch_;       // folded -> name or directory
  std::unordered_set<std::string> deleted_;                  // names the batch deletes
};

}  // namespace shoal
