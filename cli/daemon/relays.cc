#include "cli/daemon/relays.h"

#include "core/base/log.h"
#include "net/peer/tcp_dialer.h"
#include "net/reach/public_endpoint.h"

namespace shoal::cli {
namespace {

constexpr std::chrono::milliseconds kProbeTimeout{3000};

// The allocation for second legs is never announced: what connects to it
// is closed.
class IgnoreInbound final : public net::TurnClient::Delegate {
 public:
  void OnRelayAllocated(const net::stun::Address&, const net::stun::Address&) override {}
  void OnRelayLost(const Error&) override {}
  void OnRelayedConnection(UvHandle<uv_tcp_t>, const net::stun::Address& peer) override {
    SHOAL_LOG(kDebug) << "relay: closed a connection from " << peer.ToString()
                      << " to the allocation for second legs";
  }
};

}  // namespace

class Relays::Slot final : public net::TurnClient::Delegate {
 public:
  Slot(Relays& owner, net::TurnServer server_in) : owner_(owner), server(std::move(server_in)) {}
  void OnRelayAllocated(const net::stun::Address&, const net::stun::Address&) override {
    // Only behind the main allocation, so that on a relay that allows one
    // allocation per user (coturn's user-quota) the main one is never the
    // one turned away.
    if (!second_legs) {
      auto started = net::TurnClient::Start(owner_.loop_, server, ignore_inbound, owner_.options_);
      if (started) {
        second_legs = std::move(*started);
      } else {
        SHOAL_LOG(kWarning) << "relay " << server.Redacted()
                            << ": no allocation for second legs: " << started.error().message;
      }
    }
    owner_.OnAllocationsChanged();
  }
  void OnRelayLost(const Error&) override {
    second_legs.reset();  // started again once the main allocation is back
    owner_.OnAllocationsChanged();
  }
  void OnRelayedConnection(UvHandle<uv_tcp_t> tcp, const net::stun::Address& peer) override {
    owner_.peers_.AcceptRelayed(std::move(tcp), peer.ToString());
  }

  Relays& owner_;
  const net::TurnServer server;
  std::unique_ptr<net::TurnClient> client;
  IgnoreInbound ignore_inbound;
  // A second allocation on the same relay for the second legs of the
  // sessions we dial (docs/protocol.md "Two legs"): one allocation connects
  // to a peer's address once. Never announced, so nobody connects to it.
  std::unique_ptr<net::TurnClient> second_legs;
};

Relays::Relays(net::EventLoop& loop, net::PeerManager& peers, std::function<void()> on_change,
               net::TurnOptions options)
    : loop_(loop), peers_(peers), on_change_(std::move(on_change)), options_(options) {}

Relays::~Relays() = default;

Result<void> Relays::Configure(const std::vector<net::TurnServer>& relays) {
  slots_.clear();
  for (const net::TurnServer& server : relays) {
    auto slot = std::make_unique<Slot>(*this, server);
    auto client = net::TurnClient::Start(loop_, server, *slot, options_);
    if (!client) return client.error().Wrap("relay " + server.Redacted());
    slot->client = std::move(*client);
    slot->client->SetPermittedHosts(permitted_);
    slots_.push_back(std::move(slot));
  }
  OnAllocationsChanged();
  return {};
}

void Relays::PermitHosts(std::vector<std::string> hosts) {
  if (hosts == permitted_) return;
  permitted_ = std::move(hosts);
  for (const auto& slot : slots_) slot->client->SetPermittedHosts(permitted_);
}

Result<std::unique_ptr<net::PendingDial>> Relays::Dial(const std::string& address,
                                                       std::chrono::milliseconds timeout,
                                                       net::DialDone done) {
  return DialThrough(&Slot::client, address, timeout, std::move(done));
}

Result<std::unique_ptr<net::PendingDial>> Relays::DialSecondLeg(const std::string& address,
                                                                std::chrono::milliseconds timeout,
                                                                net::DialDone done) {
  return DialThrough(&Slot::second_legs, address, timeout, std::move(done));
}

// Through `allocation` of the first slot whose main allocation is up (the
// one Dial uses, so a session's two legs go through one relay); plain TCP
// when no main allocation is up. With one up but not `allocation`, it
// fails: plain TCP would come from a host the peer's relay may not permit,
// and a leg that connects but is reset costs the session the responder's
// wait for it.
Result<std::unique_ptr<net::PendingDial>> Relays::DialThrough(
    std::unique_ptr<net::TurnClient> Slot::*allocation, const std::string& address,
    std::chrono::milliseconds timeout, net::DialDone done) {
  auto target = net::stun::Address::Parse(address);
  if (!target) return target.error();
  for (const auto& slot : slots_) {
    if (!slot->client->allocated()) continue;
    const std::unique_ptr<net::TurnClient>& client = (*slot).*allocation;
    if (!client || !client->allocated()) {
      return Fail(ErrorCode::kBusy, "relay " + slot->server.Redacted() +
                                        ": the allocation for second legs is not up");
    }
    auto pending = client->ConnectTo(*target, done);
    if (!pending) return pending.error();
    return std::unique_ptr<net::PendingDial>(std::move(*pending));
  }
  auto plain = net::TcpDialer::Start(loop_, address, timeout, std::move(done));
  if (!plain) return plain.error();
  return std::unique_ptr<net::PendingDial>(std::move(*plain));
}

Result<std::unique_ptr<net::PendingDial>> Relays::ProbePublicEndpoint(
    int local_port, std::function<void(Result<std::string>)> done) {
  if (slots_.empty()) {
    return Fail(ErrorCode::kNotFound, "no relay configured to learn our public endpoint from");
  }
  auto probe = net::PublicEndpointProbe::Start(loop_, slots_.front()->client->server().HostPort(),
                                               local_port, kProbeTimeout, std::move(done));
  if (!probe) return probe.error();
  return std::unique_ptr<net::PendingDial>(std::move(*probe));
}

std::vector<std::string> Relays::RelayedAddresses() const {
  std::vector<std::string> out;
  for (const auto& slot : slots_) {
    if (slot->client->relayed()) {
      out.push_back(net::kRelayScheme + slot->client->relayed()->ToString());
    }
  }
  return out;
}

nlohmann::json Relays::Status() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& slot : slots_) {
    const net::TurnClient& client = *slot->client;
    nlohmann::json relay = {{"url", client.server().Redacted()},
                            {"state", client.allocated() ? "allocated" : "connecting"}};
    if (client.relayed()) relay["relayed"] = net::kRelayScheme + client.relayed()->ToString();
    if (client.mapped()) relay["public_address"] = client.mapped()->ToString();
    if (!permitted_.empty()) relay["permitted"] = permitted_;
    if (!client.last_error().empty()) relay["error"] = client.last_error();
    relay["second_legs"] = !slot->second_legs               ? "waiting"
                           : slot->second_legs->allocated() ? "allocated"
                                                            : "connecting";
    out.push_back(std::move(relay));
  }
  return out;
}

void Relays::OnAllocationsChanged() {
  if (on_change_) on_change_();
}

}  // namespace shoal::cli
