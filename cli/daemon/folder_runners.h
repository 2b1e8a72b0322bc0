// FolderRunners: the folders running on this device, one FolderRunner each,
// by folder ID, all started with the same engine and runner settings. The
// daemon starts those in the index at start-up; `folder add` and `folder
// accept` start new ones and `folder remove` removes one.
//
// Thread: the loop thread. Lifetime: a runner owns its engine, so every
// session exchange must have let go of it (PeerHub::RefreshAll after the
// index stopped sharing it, or the sessions destroyed) before Remove() or
// Clear() destroys it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/daemon/folder_runner.h"
#include "core/base/clock.h"
#include "core/store/index.h"
#include "core/sync/folder_engine.h"
#include "net/exchange/session_exchange.h"
#include "net/loop/event_loop.h"

namespace shoal::cli {

class FolderRunners {
 public:
  using Map = std::map<std::string, std::unique_ptr<FolderRunner>>;

  // `base` is every engine's config but the folder's own fields (key, ID,
  // seed, index ID, root device), which come from its record.
  FolderRunners(net::EventLoop& loop, Index& index, Clock& clock, FolderEngineConfig base,
                FolderRunnerOptions options);
  FolderRunners(const FolderRunners&) = delete;
  FolderRunners& operator=(const FolderRunners&) = delete;

  // Starts `folder` (replacing a runner with its ID, if any).
  Result<FolderRunner*> Start(const FolderRecord& folder);
  FolderRunner* Find(const std::string& id);
  void Remove(const std::string& id) { runners_.erase(id); }
  void Clear() { runners_.clear(); }
  // The running folders the index shares with `device_key`, for its session.
  std::vector<net::ExchangeFolder> SharedWith(DeviceKey device_key);

  // In folder ID order.
  Map::iterator begin() { return runners_.begin(); }
  Map::iterator end() { return runners_.end(); }
  bool empty() const { return runners_.empty(); }

  // Given to each runner started afterwards (FolderRunner::on_change).
  std::function<void(FolderRunner&)> on_change;

 private:
  net::EventLoop& loop_;
  Index& index_;
  Clock& clock_;
  FolderEngineConfig base_;
  FolderRunnerOptions options_;
  Map runners_;
};

}  // namespace shoal::cli
