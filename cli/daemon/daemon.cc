#include "cli/daemon/daemon.h"

#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "cli/daemon/internet_config.h"
#include "cli/gui/gui_token.h"
#include "core/base/log.h"
#include "core/base/parallel_for.h"
#include "core/model/block_ref.h"
#include "core/pull/version_archive.h"
#include "net/peer/socket_address.h"

namespace shoal::cli {
namespace {

// The first prune waits for start-up scans; then once a day.
constexpr auto kFirstPrune = std::chrono::minutes(1);
constexpr auto kPruneInterval = std::chrono::hours(24);

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "shoal";
  return name;
}

}  // namespace

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() = default;

int Daemon::Run() {
  Result<void> started = OpenHome();
  if (started) started = OpenIndex();
  if (started) started = StartLoop();
  if (started) started = StartFolders();
  if (started) started = StartUpkeep();
  if (started) started = StartPeers();
  if (started) started = StartRelays();
  if (started) started = StartPortMapping();
  if (started) started = StartDiscovery();
  if (started) started = StartControl();
  if (started) started = StartGui();
  if (!started) {
    std::fprintf(stderr, "shoal daemon: %s\n", started.error().message.c_str());
    Teardown();
    return 1;
  }
  SHOAL_LOG(kInfo) << "device " << identity_->device_id().ToString() << " ready; listening on port "
                   << peers_->listen_port() << ", control socket " << home_.socket();
  loop_->Run();  // until Stop() has closed every handle
  Teardown();
  SHOAL_LOG(kInfo) << "stopped cleanly";
  return 0;
}

Result<void> Daemon::OpenHome() {
  home_.dir = options_.home;
  if (auto prepared = PrepareHome(home_); !prepared) return prepared;
  lock_ = ScopedFd(::open(home_.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_.valid()) {
    return Fail(ErrorCode::kIo, "cannot open " + home_.lock() + ": " + std::strerror(errno));
  }
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return Fail(ErrorCode::kBusy, "another shoal daemon is already running with home " + home_.dir +
                                      " — stop it with `shoal shutdown`");
  }
  auto identity = net::Identity::LoadOrCreate(home_.identity());
  if (!identity) return identity.error();
  identity_.emplace(std::move(*identity));
  if (options_.device_name.empty()) options_.device_name = HostName();
  randombytes_buf(&instance_id_, sizeof(instance_id_));
  // umask can only be read by setting it; this runs before any other thread.
  umask_ = ::umask(022);
  ::umask(umask_);
  return {};
}

Result<void> Daemon::OpenIndex() {
  auto index = Index::Open(home_.index());
  if (!index) return index.error();
  index_ = std::make_unique<Index>(std::move(*index));
  auto local = index_->FindDevice(identity_->device_id());
  if (!local) return local.error();
  DeviceRecord record{{}, identity_->device_id(), options_.device_name, "", true, false};
  if (*local) record.key = (*local)->key;
  auto key = index_->PutDevice(record);
  if (!key) return key.error();
  local_key_ = *key;
  return {};
}

Result<void> Daemon::StartLoop() {
  auto loop = net::EventLoop::Create();
  if (!loop) return loop.error();
  loop_ = std::move(*loop);
  for (int signum : {SIGTERM, SIGINT}) {
    auto handle = UvHandle<uv_signal_t>::Init(loop_->get(), uv_signal_init);
    if (!handle) return handle.error().Wrap("signals");
    (*handle)->data = this;
    int rc = uv_signal_start(
        handle->get(),
        [](uv_signal_t* h, int sig) noexcept {
          SHOAL_LOG(kInfo) << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                           << ": finishing the current batch and stopping";
          static_cast<Daemon*>(h->data)->Stop();  // closes `h` too
        },
        signum);
    if (rc != 0) return Fail(ErrorCode::kIo, std::string("signals: ") + uv_strerror(rc));
    signals_.push_back(std::move(*handle));
  }
  std::signal(SIGPIPE, SIG_IGN);
  return {};
}

Result<void> Daemon::StartFolders() {
  FolderEngineConfig base;
  base.local_device_key = local_key_;
  base.local_short_id = identity_->device_id().ShortId();
  base.hash_threads = DefaultWorkerThreads();
  base.pull.umask = umask_;
  // A pass holds the loop: a batch of 64 small files fsynced at once kept
  // `status` waiting up to a second while 1,000,000 files arrived.
  base.pull.syncs_per_pass = 8;
  // Files assembled together are made durable by one syncfs where the file
  // system honours it: 20,000 small files pulled in 14.5 s instead of
  // 23.9 s on a fresh ext4 (medians, docs/performance.md).
  base.pull.group_syncs = true;
  // Each batch costs the loop a journal commit (its directories' fsync) and
  // a log sync (its commit): at 256 files a batch instead of 64, with 512
  // held, 20,000 small files arrived sooner in five of six interleaved
  // pairs (median ratio 0.89; docs/performance.md "Where the receiver's loop
  // waits").
  base.pull.batch_files = 256;
  base.pull.max_held = 512;
  FolderRunnerOptions options;
  options.watch = options_.watch;
  options.full_rescan_interval = options_.full_rescan_interval;
  folders_ = std::make_unique<FolderRunners>(*loop_, *index_, clock_, base, options);
  folders_->on_change = [this](FolderRunner& runner) {
    if (folder_events_) folder_events_->Changed(runner.record().id);
  };
  auto folders = index_->ListFolders();
  if (!folders) return folders.error();
  for (const FolderRecord& folder : *folders) {
    auto started = folders_->Start(folder);
    // One broken folder (its disk unmounted, say) must not stop the rest.
    if (!started) {
      SHOAL_LOG(kWarning) << started.error().message;
    }
  }
  return {};
}

// Daily version pruning, and the index's WAL and cache given back when idle.
Result<void> Daemon::StartUpkeep() {
  auto timer = net::Timer::Create(*loop_);
  if (!timer) return timer.error();
  prune_timer_ = std::move(*timer);
  prune_timer_->Start(kFirstPrune, [this] { PruneVersions(); });
  auto trim = IndexTrim::Start(*loop_, index_->db());
  if (!trim) return trim.error();
  index_trim_ = std::move(*trim);
  auto checkpointer = IndexCheckpointer::Start(*loop_, index_->db());
  if (checkpointer) {
    index_checkpointer_ = std::move(*checkpointer);
  } else {  // only slower: the loop's commits checkpoint as SQLite does by default
    SHOAL_LOG(kWarning) << "index: " << checkpointer.error().message;
  }
  return {};
}

void Daemon::PruneVersions() {
  const std::int64_t keep_seconds = options_.keep_versions_days * 24 * 3600;
  for (auto& [id, runner] : *folders_) {
    auto removed = VersionArchive(runner->fs(), clock_).Prune(keep_seconds);
    if (!removed) {
      SHOAL_LOG(kWarning) << "folder " << id << ": " << removed.error().message;
    } else if (*removed > 0) {
      SHOAL_LOG(kInfo) << "folder " << id << ": removed " << *removed << " versions kept more than "
                       << options_.keep_versions_days << " days";
    }
  }
  prune_timer_->Start(std::chrono::duration_cast<std::chrono::milliseconds>(kPruneInterval),
                      [this] { PruneVersions(); });
}

Result<void> Daemon::StartPeers() {
  Pairing::Setup pairing;
  pairing.loop = loop_.get();
  pairing.identity = &*identity_;
  pairing.index = index_.get();
  pairing.clock = &clock_;
  pairing.device_name = options_.device_name;
  pairing.on_paired = [this](const DeviceRecord& device, const std::string& code) {
    Publish({{"event", "paired"},
             {"device", device.id.ToString()},
             {"name", device.name},
             {"comparison_code", code}});
    addresses_->Apply(device);
    peers_->DialNow(device.id);
  };
  pairing.on_invite = [this](ByteSpan secret) {
    if (!rendezvous_ || !rendezvous_->configured()) return;
    using Role = net::RendezvousIdentity::InviteRole;
    auto invite = net::RendezvousIdentity::FromInviteSecret(secret, Role::kInviter);
    auto joiner = net::RendezvousIdentity::FromInviteSecret(secret, Role::kJoiner);
    if (invite && joiner) {
      rendezvous_->AnnounceInvite(std::move(*invite), joiner->id, net::kInviteLifetime);
    }
  };
  pairing.on_invite_used = [this](const DeviceId& paired, const std::string& address) {
    if (!rendezvous_) return;
    // A joiner that came through our relay dials it again for its first
    // session: the host it came from (it proved the code) stays permitted
    // as the new device's seen IP until a lookup of its own rendezvous ID
    // replaces it. What else was announced as the joiner is dropped.
    auto split = net::SplitHostPort(net::RelayTarget(address));
    if (net::IsRelayAddress(address) && split && net::IsGlobalUnicastHost(split->host)) {
      addresses_->AdoptSeenHosts(paired, {split->host});
    }
    rendezvous_->WithdrawInvite();
  };
  pairing.announce_join = [this](net::RendezvousIdentity identity) {
    return rendezvous_ ? rendezvous_->AnnounceAs(std::move(identity)) : nullptr;
  };
  pairing.lookup = [this](const net::RendezvousId& id,
                          std::function<void(std::vector<std::string>)> done)
      -> std::unique_ptr<net::HttpsRequest> {
    return rendezvous_ ? rendezvous_->LookupOnce(id, std::move(done)) : nullptr;
  };
  pairing.relay_dial = [this](const std::string& address, std::chrono::milliseconds timeout,
                              net::DialDone done) -> Result<std::unique_ptr<net::PendingDial>> {
    if (!relays_) return Fail(ErrorCode::kBusy, "relays are not started");
    return relays_->Dial(address, timeout, std::move(done));
  };
  pairing_ = std::make_unique<Pairing>(std::move(pairing));
  PeerHubCallbacks callbacks;
  callbacks.shared_with = [this](DeviceKey key) { return folders_->SharedWith(key); };
  callbacks.on_engine_input = [this](FolderPeer& engine) {
    for (auto& [id, runner] : *folders_) {
      if (&runner->engine() == &engine && runner->engine().PullWanted()) runner->Kick();
    }
  };
  callbacks.on_device_changed = [this](const DeviceRecord& device) { addresses_->Apply(device); };
  callbacks.on_peer_change = [this](const DeviceId& device, bool up) {
    if (rendezvous_) rendezvous_->Wake();
    Publish({{"event", up ? "device-connected" : "device-disconnected"},
             {"device", device.ToString()}});
  };
  callbacks.on_connection_lost = [this](const DeviceId&) {
    if (rendezvous_) rendezvous_->ConnectionLost();
  };
  callbacks.on_offer = [this](const FolderOffer& offer) {
    Publish({{"event", "folder-offered"},
             {"folder", offer.folder_id},
             {"label", offer.label},
             {"device", offer.device.ToString()}});
  };
  callbacks.on_paired = [this](const DeviceId& device, const std::string& name,
                               const std::string& code, const std::string& address) {
    pairing_->OnPaired(device, name, code, address, /*inviter=*/true);
  };
  hub_ = std::make_unique<PeerHub>(*index_, identity_->device_id(), std::move(callbacks));
  net::PeerManagerOptions options;
  options.session.hello.device_name = options_.device_name;
  options.session.hello.client_name = "shoal";
  options.session.hello.client_version = SHOAL_VERSION;
  options.session.hello.instance_id = instance_id_;
  // Large blocks (4 MiB for huge files) × 64 requests in flight must fit.
  options.session.write_queue_limit = std::size_t{512} << 20;
  options.session.pairing_psk = [this]() { return pairing_->ActivePsk(); };
  peers_ = std::make_unique<net::PeerManager>(*loop_, *identity_, *hub_, options);
  hub_->set_manager(peers_.get());
  hub_->set_serving(loop_.get(),
                    {options_.serve_rate_bytes,
                     std::max<std::int64_t>(options_.serve_rate_bytes, kMaxBlockSize)});
  addresses_ = std::make_unique<DeviceAddresses>(*index_, *peers_);
  const std::string& listen = options_.listen;
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "--listen wants HOST:PORT, got " + listen);
  }
  const std::string host = ListenHost();
  int port = std::atoi(listen.c_str() + colon + 1);
  if (auto listening = peers_->Listen(host, port); !listening) return listening;
  auto devices = index_->ListDevices();
  if (!devices) return devices.error();
  for (const DeviceRecord& device : *devices) {
    if (!device.is_local) addresses_->Apply(device);
  }
  return {};
}

Result<void> Daemon::StartRelays() {
  auto config = LoadInternetConfig(home_.dir);
  if (!config) return config.error();
  if (options_.set_relays) {
    InternetConfig wanted;
    for (const std::string& url : options_.relays) {
      auto server = net::ParseTurnUrl(url, options_.relay_static);
      if (!server) return server.error();
      wanted.relays.push_back(std::move(*server));
    }
    if (wanted != *config) {
      if (auto saved = SaveInternetConfig(home_.dir, wanted); !saved) return saved;
    }
    wanted.discovery = config->discovery;
    *config = std::move(wanted);
  }
  if (!options_.discovery_server.empty()) {
    auto server = net::ParseDiscoveryUrl(options_.discovery_server);
    if (!server) return server.error();
    if (config->discovery != *server) {
      config->discovery = *server;
      if (auto saved = SaveInternetConfig(home_.dir, *config); !saved) return saved;
    }
  }
  rendezvous_ = std::make_unique<Rendezvous>(*loop_, *index_, *hub_, *addresses_, home_.dir);
  relays_ = std::make_unique<Relays>(*loop_, *peers_, [this] { OnReachabilityChanged(); });
  addresses_->on_seen_change = [this] { PermitSeenHosts(); };
  rendezvous_->on_joiner_hosts = [this] { PermitSeenHosts(); };
  peers_->SetRelayDialer(
      [this](const std::string& address, std::chrono::milliseconds timeout, net::DialDone done) {
        return relays_->Dial(address, timeout, std::move(done));
      });
  peers_->SetSecondLegDialer(
      [this](const std::string& address, std::chrono::milliseconds timeout, net::DialDone done) {
        return relays_->DialSecondLeg(address, timeout, std::move(done));
      });
  peers_->SetEndpointProbe([this](int port, std::function<void(Result<std::string>)> done) {
    return relays_->ProbePublicEndpoint(port, std::move(done));
  });
  if (auto started = rendezvous_->Configure(config->discovery); !started) return started;
  return relays_->Configure(config->relays);
}

// Maps the listening port on the home router, unless told not to (kept in
// internet.json) or listening on loopback only (a demo, the tests).
Result<void> Daemon::StartPortMapping() {
  auto config = LoadInternetConfig(home_.dir);
  if (!config) return config.error();
  if (options_.no_port_mapping && config->port_mapping) {
    config->port_mapping = false;
    if (auto saved = SaveInternetConfig(home_.dir, *config); !saved) return saved;
  }
  return SetPortMapping(config->port_mapping);
}

Result<void> Daemon::SetPortMapping(bool on) {
  const std::string host = ListenHost();
  if (!on || host.starts_with("127.") || host == "::1") {
    if (port_mapper_) {
      port_mapper_->Stop();  // deletes the mapping
      port_mapper_.reset();
      OnReachabilityChanged();
    }
    return {};
  }
  if (port_mapper_) return {};
  auto mapper = net::PortMapper::Start(*loop_, peers_->listen_port(),
                                       [this] { OnReachabilityChanged(); }, {});
  if (!mapper) return mapper.error();
  port_mapper_ = std::move(*mapper);
  return {};
}

// Our relays let in paired devices, and a joiner while an invite lasts,
// from where the discovery server saw them.
void Daemon::PermitSeenHosts() {
  std::vector<std::string> hosts = addresses_->SeenHosts();
  hosts.insert(hosts.end(), rendezvous_->joiner_hosts().begin(), rendezvous_->joiner_hosts().end());
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  relays_->PermitHosts(std::move(hosts));
}

// Our relayed or mapped addresses changed (or rendezvous was turned on or
// off): peers hear of it in our Hello, and the discovery server in an
// announcement.
void Daemon::OnReachabilityChanged() {
  std::vector<std::string> announced = relays_->RelayedAddresses();
  if (port_mapper_ && port_mapper_->mapping()) {
    announced.insert(announced.begin(), port_mapper_->mapping()->Announced());
  }
  std::vector<std::string> hello = announced;
  for (std::string& extra : rendezvous_->HelloAddresses()) hello.push_back(std::move(extra));
  peers_->SetHelloAddresses(std::move(hello));
  // The server fills in where it saw us from: peers' relays permit that IP.
  announced.push_back(net::SeenAnnouncement(peers_->listen_port()));
  rendezvous_->Announce(std::move(announced));
}

// --listen's host, without the brackets of an IPv6 one.
std::string Daemon::ListenHost() const {
  const std::string& listen = options_.listen;
  std::string host = listen.substr(0, std::min(listen.rfind(':'), listen.size()));
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

Result<void> Daemon::StartDiscovery() {
  if (!options_.discovery) return {};
  net::DiscoveryOptions options;
  options.port = options_.discovery_port;
  options.ipv4_targets = options_.discovery_targets;
  net::MatchListenFamily(options, ListenHost());
  net::Announcement self{identity_->device_id(), instance_id_,
                         static_cast<std::uint16_t>(peers_->listen_port()), std::nullopt};
  auto discovery = net::Discovery::Start(*loop_, options, self,
                                         [this](const net::Sighting& s) { OnSighting(s); });
  if (!discovery) {
    // LAN discovery is a convenience: configured addresses still work.
    SHOAL_LOG(kWarning) << "LAN discovery is off: " << discovery.error().message;
    return {};
  }
  discovery_ = std::move(*discovery);
  pairing_->set_discovery(discovery_.get());
  return {};
}

void Daemon::OnSighting(const net::Sighting& sighting) {
  const std::string& ip = sighting.ip;
  const std::string address = (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" +
                              std::to_string(sighting.announcement.listen_port);
  if (sighting.news) pairing_->OnSighting(sighting, address);
  addresses_->OnSighting(sighting.announcement.device, address, sighting.news);
}

Result<void> Daemon::StartControl() {
  api_ = std::make_unique<ControlApi>(ControlApiParts{
      .index = *index_,
      .clock = clock_,
      .home = home_,
      .device = identity_->device_id(),
      .device_name = options_.device_name,
      .keep_versions_days = options_.keep_versions_days,
      .folders = *folders_,
      .hub = *hub_,
      .peers = *peers_,
      .addresses = *addresses_,
      .pairing = *pairing_,
      .relays = *relays_,
      .rendezvous = *rendezvous_,
      .port_mapper = [this] { return static_cast<const net::PortMapper*>(port_mapper_.get()); },
      .set_port_mapping = [this](bool on) { return SetPortMapping(on); },
      .stopping = [this] { return stopping_; },
      .stop = [this] { Stop(); },
      .gui = [this] { return GuiStatus(); },
  });
  auto control = net::ControlServer::Listen(*loop_, home_.socket(), *api_);
  if (!control) return control.error();
  control_ = std::move(*control);
  EventSink sink{
      .has_subscribers =
          [this] {
            return (control_ && control_->subscriber_count() > 0) ||
                   (gui_ && gui_->subscriber_count() > 0);
          },
      .publish = [this](const nlohmann::json& event) { Publish(event); },
  };
  auto events = FolderEvents::Create(*loop_, std::move(sink), *folders_, *index_);
  if (!events) return events.error();
  folder_events_ = std::move(*events);
  return {};
}

Result<void> Daemon::StartGui() {
  if (!options_.gui) return {};
  auto address = ParseGuiAddress(options_.gui_address);
  if (!address) return address.error();
  address->password = options_.gui_password;
  auto token = LoadOrCreateGuiToken(home_.dir);
  if (!token) return token.error().Wrap("web interface");
  auto gui = GuiServer::Start(*loop_, *address, *token, *api_);
  if (!gui) {
    if (options_.gui_address_given || gui.error().code == ErrorCode::kInvalidArgument) {
      return gui.error();
    }
    // Most likely another daemon's: this one syncs all the same.
    gui_error_ = gui.error().message;
    SHOAL_LOG(kWarning) << gui_error_ << "; running without it (--gui HOST:PORT chooses another)";
    return {};
  }
  gui_ = std::move(*gui);
  SHOAL_LOG(kInfo) << "web interface at " << gui_->url() << " (`shoal gui` logs in)";
  return {};
}

// `status`'s "gui": {"url"} when it runs, {"off": reason} when not.
nlohmann::json Daemon::GuiStatus() const {
  if (gui_) return {{"url", gui_->url()}};
  return {{"off", options_.gui ? gui_error_ : "--no-gui"}};
}

void Daemon::Publish(const nlohmann::json& event) {
  if (control_) control_->Publish(event);
  if (gui_) gui_->Publish(event);
}

// Finishes what is in progress (each pull batch is committed before the
// loop gets here) and closes every handle; loop_->Run() then returns.
void Daemon::Stop() {
  if (stopping_) return;
  stopping_ = true;
  signals_.clear();
  if (pairing_) {
    pairing_->CancelJoins();
    pairing_->set_discovery(nullptr);
  }
  prune_timer_.reset();
  index_trim_.reset();
  folder_events_.reset();
  discovery_.reset();
  if (relays_) (void)relays_->Configure({});  // ends the allocations
  if (port_mapper_) port_mapper_->Stop();     // the loop runs until the mapping is deleted
  if (rendezvous_) (void)rendezvous_->Configure(std::nullopt);
  if (control_) control_->Close([] {});
  if (gui_) gui_->Close();
  if (!peers_) {  // start-up failed before the peers
    if (folders_) folders_->Clear();
    return;
  }
  peers_->Shutdown([this] {
    folders_->Clear();  // after the sessions: exchanges refer to the engines
  });
}

void Daemon::Teardown() {
  if (loop_) {
    if (!stopping_) Stop();
    loop_->Run();
    addresses_.reset();
    api_.reset();
    relays_.reset();
    port_mapper_.reset();
    rendezvous_.reset();
    peers_.reset();
    hub_.reset();
    folder_events_.reset();
    gui_.reset();
    control_.reset();
    api_.reset();
    pairing_.reset();
    prune_timer_.reset();
    index_trim_.reset();
    folders_.reset();
    index_checkpointer_.reset();  // a running checkpoint ends as the loop closes
    if (auto closed = loop_->Close(); !closed) {
      SHOAL_LOG(kError) << "event loop did not close cleanly: " << closed.error().message;
    }
  }
}

}  // namespace shoal::cli
