// Daemon: `shoal daemon` — wiring only (STYLE.md "cli/daemon"). Run() reads
// as the list of steps it takes; each collaborator does the real work:
//
//   home + lock → identity → index → event loop + signals → folder runners
//   → version pruning timer → peer manager (listen, dial paired devices) → relays → discovery →
//   control socket → web interface → run until SIGTERM/SIGINT/`shutdown` → close everything in
//   reverse
//
// The collaborators: FolderRunners (one FolderRunner per folder), PeerHub
// (sessions ↔ folder engines), DeviceAddresses (where to dial each device),
// Pairing (invites and joins), ControlApi (the control commands, docs/api.md)
// and FolderEvents (the coalesced `folder` events). Everything runs on the
// loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/daemon/control_api.h"
#include "cli/daemon/device_addresses.h"
#include "cli/daemon/folder_events.h"
#include "cli/daemon/folder_runners.h"
#include "cli/daemon/home.h"
#include "cli/daemon/index_checkpointer.h"
#include "cli/daemon/index_trim.h"
#include "cli/daemon/pairing.h"
#include "cli/daemon/peer_hub.h"
#include "cli/daemon/relays.h"
#include "cli/daemon/rendezvous.h"
#include "cli/gui/gui_server.h"
#include "core/base/clock.h"
#include "core/base/scoped_fd.h"
#include "core/base/uv_handle.h"
#include "core/store/index.h"
#include "net/control/control_server.h"
#include "net/discovery/discovery.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/peer_manager.h"
#include "net/reach/port_mapper.h"

namespace shoal::cli {

inline constexpr int kDefaultListenPort = 22011;

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
  // Bytes per second each peer may make us read to serve it, and the burst
  // (one second's worth); 0: no limit (net/exchange/serve_budget.h).
  std::int64_t serve_rate_bytes = std::int64_t{1} << 30;
  // --relay URL... / --no-relay: replace the relays kept in the home
  // (internet.json); otherwise the kept ones are used.
  bool set_relays = false;
  std::vector<std::string> relays;
  bool relay_static = false;  // the relays' secrets are static passwords
  // --discovery URL: the discovery server for rendezvous, kept in the home.
  std::string discovery_server;
  // --no-port-mapping: stop mapping the listening port on the home router
  // (NAT-PMP, UPnP-IGD), kept in the home; `shoal internet set
  // --port-mapping on` turns it on again. Never mapped while listening on
  // a loopback address.
  bool no_port_mapping = false;
  // The web interface (cli/gui/gui_server.h): --gui HOST:PORT, --no-gui,
  // --gui-password. When the default address is taken (a second daemon on
  // this machine), the daemon runs without it and says so; an address given
  // with --gui must work.
  bool gui = true;
  std::string gui_address = "127.0.0.1:8385";
  bool gui_address_given = false;
  std::string gui_password;
};

class Daemon final {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Runs until asked to stop; 0 on a clean stop, else prints why and returns 1.
  int Run();

 private:
  // Steps of Run, in order.
  Result<void> OpenHome();
  Result<void> OpenIndex();
  Result<void> StartLoop();
  Result<void> StartFolders();
  Result<void> StartUpkeep();
  Result<void> StartPeers();
  Result<void> StartRelays();
  Result<void> StartPortMapping();
  Result<void> SetPortMapping(bool on);
  void OnReachabilityChanged();
  void PermitSeenHosts();
  Result<void> StartDiscovery();
  std::string ListenHost() const;
  Result<void> StartControl();
  Result<void> StartGui();
  nlohmann::json GuiStatus() const;
  void Stop();
  void Teardown();

  void OnSighting(const net::Sighting& sighting);
  void PruneVersions();
  void Publish(const nlohmann::json& event);  // to subscribers, once the socket is up

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
  std::vector<UvHandle<uv_signal_t>> signals_;  // SIGTERM, SIGINT; closed by Stop()
  std::unique_ptr<FolderRunners> folders_;
  std::unique_ptr<net::Timer> prune_timer_;  // daily version pruning
  std::unique_ptr<IndexTrim> index_trim_;
  std::unique_ptr<IndexCheckpointer> index_checkpointer_;  // null: SQLite's own checkpoint
  std::unique_ptr<Pairing> pairing_;
  std::unique_ptr<PeerHub> hub_;
  std::unique_ptr<net::PeerManager> peers_;
  std::unique_ptr<DeviceAddresses> addresses_;
  std::unique_ptr<Relays> relays_;
  std::unique_ptr<net::PortMapper> port_mapper_;
  std::unique_ptr<Rendezvous> rendezvous_;
  std::unique_ptr<net::Discovery> discovery_;
  std::unique_ptr<ControlApi> api_;  // outlives the server it handles requests for
  std::unique_ptr<net::ControlServer> control_;
  std::unique_ptr<FolderEvents> folder_events_;
  std::unique_ptr<GuiServer> gui_;
  std::string gui_error_;  // why the web interface is off, when it should be on
  bool stopping_ = false;
};

}  // namespace shoal::cli
