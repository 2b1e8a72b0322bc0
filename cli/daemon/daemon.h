// Daemon: `shoal daemon` — wiring only (STYLE.md "cli/daemon"). Run() reads
// as the list of steps it takes; each collaborator does the real work:
//
//   home + lock → identity → index → event loop + signals → folder runners
//   → version pruning timer → peer manager (listen, dial paired devices) → discovery → control
//   socket → run until SIGTERM/SIGINT/`shutdown` → close everything in reverse
//
// Control commands (docs/api.md) are handled in daemon_*.cc, one file per
// area. Everything runs on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/daemon/folder_runner.h"
#include "cli/daemon/home.h"
#include "cli/daemon/pair_join.h"
#include "cli/daemon/peer_hub.h"
#include "core/base/clock.h"
#include "core/base/scoped_fd.h"
#include "core/store/index.h"
#include "net/control/control_server.h"
#include "net/discovery/discovery.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/loop/uv_handle.h"
#include "net/pairing/invite_book.h"
#include "net/peer/peer_manager.h"

namespace shoal::cli {

inline constexpr int kDefaultListenPort = 22011;

// A command's result object, or why it failed (becomes the error reply).
using Json = Result<nlohmann::json>;

struct DaemonOptions {
  std::string home;  // resolved (HomePaths::dir)
  std::string listen = "0.0.0.0:" + std::to_string(kDefaultListenPort);
  std::string device_name;  // empty: the host name
  bool discovery = true;
  std::uint16_t discovery_port = net::kDiscoveryPort;
  std::vector<std::string> discovery_targets;  // IPv4 targets; empty = broadcast
  bool watch = true;
  std::chrono::milliseconds full_rescan_interval = std::chrono::hours(1);
  std::int64_t keep_versions_days = 30;  // versions older than this are pruned daily
};

class Daemon final : public net::ControlHandler {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon() override;
  // Runs until asked to stop; 0 on a clean stop, else prints why and returns 1.
  int Run();

  void OnRequest(const nlohmann::json& request, net::ControlReply reply) override;

 private:
  // Steps of Run (daemon.cc).
  Result<void> OpenHome();
  Result<void> OpenIndex();
  Result<void> StartLoop();
  Result<void> StartFolders();
  Result<void> StartPeers();
  Result<void> StartDiscovery();
  Result<void> StartControl();
  void Stop();
  void Teardown();

  // Folders (daemon_folders.cc).
  Result<void> StartFolder(const FolderRecord& folder);
  std::vector<net::ExchangeFolder> FoldersSharedWith(DeviceKey device_key);
  Result<FolderRecord> FindFolderArg(const std::string& arg);
  Json FolderAdd(const nlohmann::json& request);
  Json FolderRemove(const nlohmann::json& request);
  Json FolderList();
  Json FolderOffers();
  Json FolderAccept(const nlohmann::json& request);
  // Confirms a held folder: a braked mass delete, or a changed root.
  Json FolderResume(const nlohmann::json& request);
  Json Share(const nlohmann::json& request, bool share);
  Json Conflicts(const nlohmann::json& request);
  // Answers once every scan it asked for has been committed.
  void RescanStart(const nlohmann::json& request, net::ControlReply reply);

  // Kept versions (daemon_versions.cc).
  Result<FolderRunner*> FindRunnerArg(const nlohmann::json& request);
  Json VersionList(const nlohmann::json& request);
  // Answers once the restored file has been rescanned.
  void VersionRestore(const nlohmann::json& request, net::ControlReply reply);
  Result<void> StartVersionPruning();
  void PruneVersions();

  // Devices and pairing (daemon_devices.cc, daemon_pairing.cc).
  Result<DeviceRecord> FindDeviceArg(const std::string& arg);
  Json DeviceList();
  Json DeviceAdd(const nlohmann::json& request);
  Json DeviceChange(const std::string& cmd, const nlohmann::json& request);
  Json PairInvite();
  void PairJoinStart(const nlohmann::json& request, net::ControlReply reply);
  void OnPaired(const DeviceId& device, const std::string& name, const std::string& code,
                const std::string& address, bool inviter);

  void OnSighting(const net::Sighting& sighting);
  void ApplyAddresses(const DeviceRecord& device);

  // Status (daemon_status.cc).
  Json Status();
  nlohmann::json FolderJson(FolderRunner& runner);
  void PublishFolder(FolderRunner& runner);
  void FlushFolderEvents();
  static constexpr std::chrono::milliseconds kFolderEventInterval{250};

  DaemonOptions options_;
  HomePaths home_;
  ScopedFd lock_;
  std::optional<net::Identity> identity_;
  std::unique_ptr<Index> index_;
  DeviceKey local_key_;
  std::uint32_t umask_ = 022;  // the process's, for modes applied from peers
  std::uint64_t instance_id_ = 0;
  SystemClock clock_;
  std::unique_ptr<net::EventLoop> loop_;
  std::vector<net::UvHandle<uv_signal_t>> signals_;  // SIGTERM, SIGINT; closed by Stop()
  std::map<std::string, std::unique_ptr<FolderRunner>> runners_;  // by folder ID
  std::unique_ptr<PeerHub> hub_;
  std::unique_ptr<net::PeerManager> peers_;
  std::unique_ptr<net::Discovery> discovery_;
  std::unique_ptr<net::ControlServer> control_;
  std::unique_ptr<net::Timer> prune_timer_;    // daily version pruning
  std::unique_ptr<net::Timer> publish_timer_;  // coalesced folder events
  bool publish_scheduled_ = false;
  std::set<std::string> dirty_folders_;           // changed since the last flush
  std::map<std::string, std::string> published_;  // last folder event sent, by ID
  net::InviteBook invites_{clock_};
  std::map<std::string, std::vector<std::string>> discovered_;  // device text → addresses
  std::vector<std::unique_ptr<PairJoin>> joins_;
  // Recent LAN sightings that carried an invite's pairing tag, so that a
  // `pair CODE` typed after the inviter's announcement dials at once
  // instead of waiting for the next one. Bounded; newest last.
  struct PairingSighting {
    net::Sighting sighting;
    std::string address;
    std::chrono::steady_clock::time_point seen;
  };
  std::deque<PairingSighting> pairing_sightings_;
  static constexpr std::size_t kMaxPairingSightings = 16;
  bool stopping_ = false;
};

}  // namespace shoal::cli
