// NeedJournal: what changed in a folder's need list since its puller last
// looked, so that the puller extends the plan it holds instead of reading
// the need list again on every pass (DESIGN.md "Puller"; a pass then costs
// what changed, not what the folder holds).
//
// Index records every name whose global row it writes, for the folders a
// puller watches: the needed version's outline (NeededName), or nothing when
// the name is no longer needed. A journal that grows past kNeedJournalCap
// names, or any transaction rolled back (what it recorded may not have
// happened), is replaced by "reset": the puller then reads its window of the
// need list afresh. Both bound the memory and keep every extension exact.
//
// In memory only, one thread (the Index's).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/model/file_info.h"
#include "core/model/store_keys.h"
#include "core/model/version_vector.h"

namespace shoal {

inline constexpr std::size_t kNeedJournalCap = 8192;

// A needed name as the puller plans with it: no block list.
struct NeededName {
  std::string name;
  FileType type = FileType::kFile;
  bool deleted = false;
  std::int64_t size = 0;  // the bytes it would fetch: 0 unless a live file
  VersionVector version;
};

struct NeedChanges {
  bool reset = false;  // start over from the need list; `names` is empty then
  std::map<std::string, std::optional<NeededName>> names;  // nullopt = not needed now
};

class NeedJournals {
 public:
  // Records the folder's changes from now on, up to `cap` names.
  void Watch(FolderKey folder_key, std::size_t cap = kNeedJournalCap) {
    Journal& journal = by_folder_[folder_key];
    journal.watched = true;
    journal.cap = cap;
  }
  // `entry` is the needed version, or nullopt when the name is not needed.
  void Record(FolderKey folder_key, const std::string& name, std::optional<NeededName> entry);
  NeedChanges Take(FolderKey folder_key);
  // Every watched journal resets (a rolled-back transaction).
  void ResetAll();
  // Goes up whenever a name of the folder is written as needed, watched or
  // not, and never when a need is satisfied.
  std::uint64_t generation(FolderKey folder_key) const;

 private:
  struct Journal {
    bool watched = false;
    std::size_t cap = kNeedJournalCap;
    std::uint64_t generation = 0;
    NeedChanges changes;
  };
  std::map<FolderKey, Journal> by_folder_;
};

}  // namespace shoal
