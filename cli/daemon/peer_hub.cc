#include "cli/daemon/peer_hub.h"

#include <algorithm>

#include "cli/daemon/device_addresses.h"
#include "core/base/log.h"
#include "net/loop/timer.h"

namespace shoal::cli {

class PeerHub::Link final : public net::ExchangeOwner {
 public:
  Link(PeerHub& hub, const DeviceId& device, DeviceKey device_key, net::Session& session)
      : hub_(hub),
        device_(device),
        session_(session),
        sink_(session),
        exchange_(hub.local_, device, device_key, sink_, *this) {
    if (hub.loop_ != nullptr) exchange_.set_serve_rate(hub.serve_rate_);
  }

  net::SessionExchange& exchange() { return exchange_; }
  net::Session& session() { return session_; }

  std::vector<net::ExchangeFolder> FoldersSharedWith(DeviceKey device_key) override {
    return hub_.callbacks_.shared_with(device_key);
  }
  void OnFolderOffered(DeviceKey, const net::wire::FolderShare& share) override {
    auto& offers = hub_.offers_;
    std::size_t from_device = 0;
    for (const FolderOffer& o : offers) {
      if (o.device != device_) continue;
      if (o.folder_id == share.id) return;
      ++from_device;
    }
    if (from_device >= kMaxOffersPerDevice) {
      if (!offers_capped_) {
        SHOAL_LOG(kWarning) << "device " << device_.ToString() << " offers more than "
                            << kMaxOffersPerDevice << " folders; the rest are ignored";
      }
      offers_capped_ = true;
      return;
    }
    auto record = hub_.index_.FindDevice(device_);
    std::string name = record && *record ? (*record)->name : std::string();
    offers.push_back({share.id, share.label, share.hash_seed, device_, name});
    SHOAL_LOG(kInfo) << "device " << device_.ToString() << " offers folder " << share.id << " ("
                     << share.label << "); accept it with `shoal folder accept " << share.id
                     << " PATH`";
    if (hub_.callbacks_.on_offer) hub_.callbacks_.on_offer(offers.back());
  }
  void OnEngineInput(FolderPeer& engine) override { hub_.callbacks_.on_engine_input(engine); }
  void ServeHeldAfter(std::chrono::milliseconds delay) override {
    if (hub_.loop_ == nullptr) return;
    if (!serve_timer_) {
      auto timer = net::Timer::Create(*hub_.loop_);
      if (!timer) {
        SHOAL_LOG(kWarning) << "serving " << device_.ToString() << ": " << timer.error().message;
        return;
      }
      serve_timer_ = std::move(*timer);
    }
    serve_timer_->Start(delay, [this] { hub_.Check(device_, exchange_.ServeHeld()); });
  }
  void OnSendFailed(const Error& error) override {
    SHOAL_LOG(kWarning) << "sending to " << device_.ToString() << " failed: " << error.message;
    session_.Close(net::wire::CloseReason::kError, "send queue over its limit");
  }

 private:
  PeerHub& hub_;
  DeviceId device_;
  bool offers_capped_ = false;  // logged once per session
  net::Session& session_;
  net::SessionSink sink_;
  net::SessionExchange exchange_;
  std::unique_ptr<net::Timer> serve_timer_;  // destroyed first: its callback uses exchange_
};

PeerHub::PeerHub(Index& index, const DeviceId& local, PeerHubCallbacks callbacks)
    : index_(index), local_(local), callbacks_(std::move(callbacks)) {}

PeerHub::~PeerHub() = default;

bool PeerHub::IsPaired(const DeviceId& device) {
  if (device == local_) return false;
  auto record = index_.FindDevice(device);
  return record && *record && !(*record)->is_local && !(*record)->paused;
}

void PeerHub::OnPeerUp(const DeviceId& device, net::Session& session, const net::wire::Hello& hello,
                       const std::string& address) {
  auto record = index_.FindDevice(device);
  if (!record || !*record) {
    session.Close(net::wire::CloseReason::kUnauthorized, "not paired");
    return;
  }
  if ((*record)->paused) {  // it may dial us; nothing is exchanged until resumed
    session.Close(net::wire::CloseReason::kNormal, "paused");
    return;
  }
  DeviceRecord stored = **record;
  bool changed = false;
  if (stored.name.empty() && !hello.device_name.empty()) {
    stored.name = hello.device_name;
    changed = true;
  }
  if (std::string merged = MergeLearnedAddresses(stored.addresses, hello.addresses);
      merged != stored.addresses) {
    stored.addresses = std::move(merged);
    changed = true;
  }
  if (changed) {
    if (auto put = index_.PutDevice(stored); !put) {
      SHOAL_LOG(kWarning) << "device " << device.ToString() << ": " << put.error().message;
    } else if (callbacks_.on_device_changed) {
      callbacks_.on_device_changed(stored);
    }
  }
  SHOAL_LOG(kInfo) << "connected to " << device.ToString() << " (" << hello.device_name << ") at "
                   << address;
  auto link = std::make_unique<Link>(*this, device, stored.key, session);
  Link& added = *link;
  links_[device] = std::move(link);
  Check(device, added.exchange().Refresh());
  if (callbacks_.on_peer_change) callbacks_.on_peer_change(device, true);
}

void PeerHub::Check(const DeviceId& device, Result<void> handled) {
  if (handled) return;
  auto it = links_.find(device);
  if (it == links_.end()) return;
  SHOAL_LOG(kWarning) << "closing the session with " << device.ToString() << ": "
                      << handled.error().message;
  it->second->session().Close(net::wire::CloseReason::kProtocolError, handled.error().message);
}

void PeerHub::OnMessage(const DeviceId& device, net::wire::PeerMessage message) {
  auto it = links_.find(device);
  if (it != links_.end()) Check(device, it->second->exchange().OnMessage(std::move(message)));
}

void PeerHub::OnWritable(const DeviceId& device) {
  auto it = links_.find(device);
  if (it != links_.end()) Check(device, it->second->exchange().OnWritable());
}

void PeerHub::OnPeerDown(const DeviceId& device, const net::SessionEndInfo& end) {
  SHOAL_LOG(kInfo) << "disconnected from " << device.ToString() << ": "
                   << net::SessionEndName(end.end) << " " << end.detail;
  links_.erase(device);  // disconnects the folder engines from it
  if (callbacks_.on_peer_change) callbacks_.on_peer_change(device, false);
  if (net::IsConnectionFailure(end.end) && callbacks_.on_connection_lost) {
    callbacks_.on_connection_lost(device);
  }
}

void PeerHub::OnPaired(const DeviceId& device, const net::wire::PairAccept& accept,
                       const std::string& comparison_code, const std::string& address) {
  if (callbacks_.on_paired)
    callbacks_.on_paired(device, accept.device_name, comparison_code, address);
}

void PeerHub::RefreshAll() {
  for (auto& [device, link] : links_) Check(device, link->exchange().Refresh());
}

void PeerHub::Disconnect(const DeviceId& device) {
  auto it = links_.find(device);
  if (it != links_.end()) it->second->session().Close(net::wire::CloseReason::kNormal, "removed");
}

std::pair<std::int64_t, std::int64_t> PeerHub::IndexEntries(const DeviceId& device) const {
  auto it = links_.find(device);
  if (it == links_.end()) return {0, 0};
  return {it->second->exchange().entries_received(), it->second->exchange().entries_sent()};
}

void PeerHub::DropOffer(const std::string& folder_id) {
  std::erase_if(offers_, [&](const FolderOffer& o) { return o.folder_id == folder_id; });
}

void PeerHub::DropOffersFrom(const DeviceId& device) {
  std::erase_if(offers_, [&](const FolderOffer& o) { return o.device == device; });
}

}  // namespace shoal::cli
