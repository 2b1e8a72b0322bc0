#include "core/store/need_journal.h"

#include <utility>

namespace shoal {

void NeedJournals::Record(FolderKey folder_key, const std::string& name,
                          std::optional<NeededName> entry) {
  Journal& journal = by_folder_[folder_key];
  if (entry) journal.generation++;
  if (!journal.watched || journal.changes.reset) return;
  if (journal.changes.names.size() >= journal.cap && !journal.changes.names.count(name)) {
    journal.changes.names.clear();
    journal.changes.reset = true;
    return;
  }
  journal.changes.names[name] = std::move(entry);
}

NeedChanges NeedJournals::Take(FolderKey folder_key) {
  auto it = by_folder_.find(folder_key);
  if (it == by_folder_.end()) return {};
  return std::exchange(it->second.changes, NeedChanges{});
}

void NeedJournals::ResetAll() {
  for (auto& [folder, journal] : by_folder_) {
    if (!journal.watched) continue;
    journal.changes.names.clear();
    journal.changes.reset = true;
  }
}

std::uint64_t NeedJournals::generation(FolderKey folder_key) const {
  auto it = by_folder_.find(folder_key);
  return it == by_folder_.end() ? 0 : it->second.generation;
}

}  // namespace shoal
