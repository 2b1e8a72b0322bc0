#include "cli/daemon/rendezvous.h"

#include "core/base/log.h"

namespace shoal::cli {
namespace {

constexpr std::chrono::seconds kTick{1};
constexpr std::chrono::seconds kFirstWait{2};
constexpr std::chrono::seconds kLongestWait{60};
constexpr std::chrono::seconds kAnnounceGap{30};

}  // namespace

Rendezvous::Rendezvous(net::EventLoop& loop, Index& index, PeerHub& hub, DeviceAddresses& addresses,
                       std::string home)
    : loop_(loop), index_(index), hub_(hub), addresses_(addresses), home_(std::move(home)) {}

Rendezvous::~Rendezvous() = default;

Result<void> Rendezvous::Configure(const std::optional<net::DiscoveryServer>& server) {
  lookups_.clear();
  WithdrawInvite();
  invite_end_.reset();  // a running timer would keep a stopping daemon's loop alive
  joiner_timer_.reset();
  client_.reset();
  tick_.reset();
  if (!server) return {};
  auto identity = net::RendezvousIdentity::LoadOrCreate(home_);
  if (!identity) return identity.error();
  auto client = net::RendezvousClient::Start(loop_, *server, std::move(*identity));
  if (!client) return client.error();
  client_ = std::move(*client);
  auto timer = net::Timer::Create(loop_);
  if (!timer) return timer.error();
  tick_ = std::move(*timer);
  ticking_ = false;
  Wake();
  client_->Announce(announced_);
  SHOAL_LOG(kInfo) << "rendezvous: " << server->base << ", this device's rendezvous ID "
                   << net::RendezvousIdText(client_->identity().id);
  return {};
}

void Rendezvous::Announce(std::vector<std::string> addresses) {
  announced_ = std::move(addresses);
  if (client_) client_->Announce(announced_);
  if (invite_) invite_->Announce(announced_);
}

void Rendezvous::AnnounceInvite(net::RendezvousIdentity invite, const net::RendezvousId& joiner,
                                std::chrono::seconds lifetime) {
  WithdrawInvite();
  if (!client_) return;
  for (auto* timer : {&invite_end_, &joiner_timer_}) {
    if (*timer) continue;
    auto created = net::Timer::Create(loop_);
    if (!created) return;
    *timer = std::move(*created);
  }
  invite_end_->Start(lifetime, [this] { WithdrawInvite(); });
  auto client = net::RendezvousClient::Start(loop_, client_->server(), std::move(invite));
  if (!client) {
    SHOAL_LOG(kWarning) << "rendezvous: the invite is not announced: " << client.error().message;
    return;
  }
  invite_ = std::move(*client);
  invite_->Announce(announced_);
  joiner_ = joiner;
  LookUpJoiner();
}

// The server forgets the record on its own; we stop renewing it.
void Rendezvous::WithdrawInvite() {
  invite_.reset();
  joiner_.reset();
  joiner_lookup_.reset();
  if (invite_end_) invite_end_->Stop();
  if (joiner_timer_) joiner_timer_->Stop();
  SetJoinerHosts({});
}

// Every 2 s while the invite lasts: has a joiner announced yet, and from where?
void Rendezvous::LookUpJoiner() {
  if (!joiner_ || !client_ || joiner_lookup_) return;
  auto request = client_->Lookup(*joiner_, [this](Result<std::vector<std::string>> found) {
    joiner_lookup_.reset();
    if (found) SetJoinerHosts(net::SeenHosts(*found, 4));
    if (joiner_) joiner_timer_->Start(std::chrono::seconds(2), [this] { LookUpJoiner(); });
  });
  if (!request) {
    joiner_timer_->Start(std::chrono::seconds(2), [this] { LookUpJoiner(); });
    return;
  }
  joiner_lookup_ = std::move(*request);
}

void Rendezvous::SetJoinerHosts(std::vector<std::string> hosts) {
  if (hosts == joiner_hosts_) return;
  joiner_hosts_ = std::move(hosts);
  if (on_joiner_hosts) on_joiner_hosts();
}

std::unique_ptr<net::RendezvousClient> Rendezvous::AnnounceAs(net::RendezvousIdentity identity) {
  if (!client_) return nullptr;
  auto client = net::RendezvousClient::Start(loop_, client_->server(), std::move(identity));
  if (!client) {
    SHOAL_LOG(kWarning) << "rendezvous: cannot announce the join: " << client.error().message;
    return nullptr;
  }
  (*client)->Announce(announced_);
  return std::move(*client);
}

std::unique_ptr<net::HttpsRequest> Rendezvous::LookupOnce(
    const net::RendezvousId& id, std::function<void(std::vector<std::string>)> done) {
  if (!client_) return nullptr;
  auto request = client_->Lookup(id, [done](Result<std::vector<std::string>> found) {
    done(found ? *found : std::vector<std::string>{});
  });
  return request ? std::move(*request) : nullptr;
}

std::vector<std::string> Rendezvous::HelloAddresses() const {
  if (!client_) return {};
  return {kRendezvousScheme + net::RendezvousIdText(client_->identity().id)};
}

nlohmann::json Rendezvous::Status() const {
  if (!client_) return nullptr;
  nlohmann::json status{{"server", client_->server().base},
                        {"rendezvous_id", net::RendezvousIdText(client_->identity().id)},
                        {"announced", client_->announced()}};
  if (!client_->last_error().empty()) status["error"] = client_->last_error();
  return status;
}

void Rendezvous::ConnectionLost() {
  if (client_) client_->AnnounceAgain(kAnnounceGap);
}

void Rendezvous::Wake() {
  if (tick_ && !ticking_) {
    ticking_ = true;
    tick_->Start(std::chrono::milliseconds(0), [this] { Tick(); });
  }
}

// Runs while some device to look up is not connected, and stops (no idle
// wakeups) once all are; a disconnect wakes it (Wake).
void Rendezvous::Tick() {
  ticking_ = false;
  auto devices = index_.ListDevices();
  if (!devices) return;
  bool waiting = false;
  const auto now = std::chrono::steady_clock::now();
  for (const DeviceRecord& device : *devices) {
    if (device.is_local || device.paused) continue;
    const std::string key = device.id.ToString();
    if (hub_.connected(device.id)) {
      lookups_.erase(key);  // after a disconnect, look it up at once
      continue;
    }
    auto id = RendezvousIdOf(SplitAddresses(device.addresses));
    if (!id) continue;
    waiting = true;
    Lookup& lookup = lookups_[key];
    if (lookup.in_flight || now < lookup.next) continue;
    const DeviceId peer = device.id;
    auto request = client_->Lookup(*id, [this, key, peer](Result<std::vector<std::string>> found) {
      Lookup& done = lookups_[key];
      done.in_flight.reset();
      done.wait =
          std::min(done.wait == std::chrono::seconds(0) ? kFirstWait : done.wait * 2, kLongestWait);
      done.next = std::chrono::steady_clock::now() + done.wait;
      if (!found) {
        SHOAL_LOG(kDebug) << "rendezvous: " << peer.ToString() << ": " << found.error().message;
        return;
      }
      SHOAL_LOG(kDebug) << "rendezvous: found " << peer.ToString() << " at " << found->size()
                        << " address(es)";
      addresses_.OnFound(peer, *found);
    });
    if (!request) {
      lookup.next = now + kLongestWait;
      continue;
    }
    lookup.in_flight = std::move(*request);
  }
  if (waiting) {
    ticking_ = true;
    tick_->Start(kTick, [this] { Tick(); });
  }
}

}  // namespace shoal::cli
