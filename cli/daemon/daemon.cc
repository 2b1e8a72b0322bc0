#include "cli/daemon/daemon.h"

#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "core/base/log.h"
#include "core/base/parallel_for.h"

namespace shoal::cli {
namespace {

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
  if (started) started = StartVersionPruning();
  if (started) started = StartPeers();
  if (started) started = StartDiscovery();
  if (started) started = StartControl();
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
    auto handle = net::UvHandle<uv_signal_t>::Init(loop_->get(), uv_signal_init);
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
  auto folders = index_->ListFolders();
  if (!folders) return folders.error();
  for (const FolderRecord& folder : *folders) {
    Result<void> started = StartFolder(folder);
    // One broken folder (its disk unmounted, say) must not stop the rest.
    if (!started) {
      SHOAL_LOG(kWarning) << started.error().message;
    }
  }
  return {};
}

Result<void> Daemon::StartPeers() {
  PeerHubCallbacks callbacks;
  callbacks.shared_with = [this](DeviceKey key) { return FoldersSharedWith(key); };
  callbacks.on_engine_input = [this](FolderPeer& engine) {
    for (auto& [id, runner] : runners_) {
      if (&runner->engine() == &engine && runner->engine().PullWanted()) runner->Kick();
    }
  };
  callbacks.on_peer_change = [this](const DeviceId& device, bool up) {
    if (control_) {
      control_->Publish({{"event", up ? "device-connected" : "device-disconnected"},
                         {"device", device.ToString()}});
    }
  };
  callbacks.on_offer = [this](const FolderOffer& offer) {
    if (control_) {
      control_->Publish({{"event", "folder-offered"},
                         {"folder", offer.folder_id},
                         {"label", offer.label},
                         {"device", offer.device.ToString()}});
    }
  };
  callbacks.on_paired = [this](const DeviceId& device, const std::string& name,
                               const std::string& code, const std::string& address) {
    OnPaired(device, name, code, address, /*inviter=*/true);
  };
  hub_ = std::make_unique<PeerHub>(*index_, identity_->device_id(), std::move(callbacks));
  net::PeerManagerOptions options;
  options.session.hello.device_name = options_.device_name;
  options.session.hello.client_name = "shoal";
  options.session.hello.client_version = SHOAL_VERSION;
  options.session.hello.instance_id = instance_id_;
  // Large blocks (4 MiB for huge files) × 64 requests in flight must fit.
  options.session.write_queue_limit = std::size_t{512} << 20;
  options.session.pairing_psk = [this]() { return invites_.ActivePsk(); };
  peers_ = std::make_unique<net::PeerManager>(*loop_, *identity_, *hub_, options);
  hub_->set_manager(peers_.get());
  const std::string& listen = options_.listen;
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "--listen wants HOST:PORT, got " + listen);
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = std::atoi(listen.c_str() + colon + 1);
  if (auto listening = peers_->Listen(host, port); !listening) return listening;
  auto devices = index_->ListDevices();
  if (!devices) return devices.error();
  for (const DeviceRecord& device : *devices) {
    if (!device.is_local) ApplyAddresses(device);
  }
  return {};
}

Result<void> Daemon::StartDiscovery() {
  if (!options_.discovery) return {};
  net::DiscoveryOptions options;
  options.port = options_.discovery_port;
  options.ipv4_targets = options_.discovery_targets;
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
  return {};
}

Result<void> Daemon::StartControl() {
  auto control = net::ControlServer::Listen(*loop_, home_.socket(), *this);
  if (!control) return control.error();
  control_ = std::move(*control);
  auto timer = net::Timer::Create(*loop_);
  if (!timer) return timer.error();
  publish_timer_ = std::move(*timer);
  return {};
}

// Finishes what is in progress (each pull batch is committed before the
// loop gets here) and closes every handle; loop_->Run() then returns.
void Daemon::Stop() {
  if (stopping_) return;
  stopping_ = true;
  signals_.clear();
  joins_.clear();
  prune_timer_.reset();
  publish_timer_.reset();
  discovery_.reset();
  if (control_) control_->Close([] {});
  peers_->Shutdown([this] {
    runners_.clear();  // after the sessions: exchanges refer to the engines
  });
}

void Daemon::Teardown() {
  if (loop_) {
    if (!stopping_) Stop();
    loop_->Run();
    peers_.reset();
    hub_.reset();
    control_.reset();
    prune_timer_.reset();
    publish_timer_.reset();
    runners_.clear();
    if (auto closed = loop_->Close(); !closed) {
      SHOAL_LOG(kError) << "event loop did not close cleanly: " << closed.error().message;
    }
  }
}

}  // namespace shoal::cli
