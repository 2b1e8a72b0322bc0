// PeerHub: the daemon's side of every live session. It tells the peer
// manager who is paired, gives each established session a SessionExchange
// (net/exchange) over the folders shared with that device, routes the
// session's messages into it, and remembers folders peers offer us.
//
// Thread: the loop thread. Lifetime: the hub outlives the peer manager's
// sessions (the daemon destroys the manager first).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/store/index.h"
#include "net/exchange/session_exchange.h"
#include "net/loop/event_loop.h"
#include "net/peer/peer_manager.h"

namespace shoal::cli {

// A folder a peer shares with us that we have not accepted (or not shared back).
struct FolderOffer {
  std::string folder_id;
  std::string label;
  std::uint64_t hash_seed = 0;
  DeviceId device;
  std::string device_name;
};

struct PeerHubCallbacks {
  std::function<std::vector<net::ExchangeFolder>(DeviceKey device_key)> shared_with;
  std::function<void(FolderPeer& engine)> on_engine_input;
  std::function<void(const DeviceId& device, bool up)> on_peer_change;
  // A session ended because its connection failed (timed out, reset, or
  // closed without Close), not because either side chose to end it: this
  // device may have moved to another network.
  std::function<void(const DeviceId& device)> on_connection_lost;
  std::function<void(const FolderOffer& offer)> on_offer;
  std::function<void(const DeviceId& device, const std::string& name, const std::string& code,
                     const std::string& address)>
      on_paired;
  // The device's stored record changed (its Hello brought new relayed
  // addresses): where to dial it is applied again.
  std::function<void(const DeviceRecord& device)> on_device_changed;
};

class PeerHub final : public net::PeerManagerDelegate {
 public:
  PeerHub(Index& index, const DeviceId& local, PeerHubCallbacks callbacks);
  ~PeerHub() override;

  void set_manager(net::PeerManager* manager) { manager_ = manager; }
  // How fast each peer may make us read for it (net/exchange/serve_budget.h);
  // the loop runs the timers that resume a peer whose budget ran out.
  void set_serving(net::EventLoop* loop, net::ServeRate rate) {
    loop_ = loop;
    serve_rate_ = rate;
  }
  // Shares changed: every live exchange re-sends its ClusterConfig.
  void RefreshAll();
  // Drops the live session with `device` (removed or paused).
  void Disconnect(const DeviceId& device);
  bool connected(const DeviceId& device) const { return links_.count(device) != 0; }
  // Index entries received and sent in the live session (0, 0 without one).
  std::pair<std::int64_t, std::int64_t> IndexEntries(const DeviceId& device) const;
  const std::vector<FolderOffer>& offers() const { return offers_; }
  // Offers kept per device: more from one device are dropped (and logged
  // once per session), so a ClusterConfig of thousands of made-up folders
  // costs a bounded list, log and event stream.
  static constexpr std::size_t kMaxOffersPerDevice = 64;
  void DropOffer(const std::string& folder_id);
  void DropOffersFrom(const DeviceId& device);

  bool IsPaired(const DeviceId& device) override;
  void OnPeerUp(const DeviceId& device, net::Session& session, const net::wire::Hello& hello,
                const std::string& address) override;
  void OnMessage(const DeviceId& device, net::wire::PeerMessage message) override;
  void OnWritable(const DeviceId& device) override;
  void OnPeerDown(const DeviceId& device, const net::SessionEndInfo& end) override;
  void OnPaired(const DeviceId& device, const net::wire::PairAccept& accept,
                const std::string& comparison_code, const std::string& address) override;

 private:
  // One established session: its sink and exchange (the exchange refers
  // to the sink and to this link as its owner).
  class Link;
  void Check(const DeviceId& device, Result<void> handled);

  Index& index_;
  DeviceId local_;
  PeerHubCallbacks callbacks_;
  net::PeerManager* manager_ = nullptr;
  net::EventLoop* loop_ = nullptr;
  net::ServeRate serve_rate_{0, 0};  // none until set_serving
  std::map<DeviceId, std::unique_ptr<Link>> links_;
  std::vector<FolderOffer> offers_;
};

}  // namespace shoal::cli
