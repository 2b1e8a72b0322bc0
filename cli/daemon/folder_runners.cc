#include "cli/daemon/folder_runners.h"

#include <algorithm>

namespace shoal::cli {

FolderRunners::FolderRunners(net::EventLoop& loop, Index& index, Clock& clock,
                             FolderEngineConfig base, FolderRunnerOptions options)
    : loop_(loop), index_(index), clock_(clock), base_(std::move(base)), options_(options) {}

Result<FolderRunner*> FolderRunners::Start(const FolderRecord& folder) {
  auto runner = FolderRunner::Start(loop_, index_, clock_, folder, base_, options_);
  if (!runner) return runner.error();
  (*runner)->on_change = on_change;
  std::unique_ptr<FolderRunner>& slot = runners_[folder.id];
  slot = std::move(*runner);
  return slot.get();
}

FolderRunner* FolderRunners::Find(const std::string& id) {
  auto it = runners_.find(id);
  return it == runners_.end() ? nullptr : it->second.get();
}

std::vector<net::ExchangeFolder> FolderRunners::SharedWith(DeviceKey device_key) {
  std::vector<net::ExchangeFolder> shared;
  for (auto& [id, runner] : runners_) {
    auto devices = index_.SharedWith(runner->record().key);
    if (!devices) continue;
    if (std::find(devices->begin(), devices->end(), device_key) == devices->end()) continue;
    const FolderRecord& r = runner->record();
    shared.push_back({r.id, r.label, r.hash_seed, &runner->engine()});
  }
  return shared;
}

}  // namespace shoal::cli
