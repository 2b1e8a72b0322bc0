// PairJoin: one `shoal pair CODE` in progress on the joining device
// (DESIGN.md "Pairing"). It dials the inviter (the code's @address, the
// first LAN sighting carrying the invite's tag, or the relayed address the
// inviter announced on the discovery server under the invite's rendezvous
// ID, looked up every 2 s), runs a pairing session as
// initiator with the invite's psk, and replies to the waiting control
// request exactly once: with the peer and comparison code, or with why it
// failed (unreachable, wrong or used code, timeout).
//
// Thread: the loop thread. The owner destroys it after `on_finished`, on a
// later loop turn (it may be inside one of its own callbacks then).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/base/uv_handle.h"
#include "net/control/control_server.h"
#include "net/discovery/announcement.h"
#include "net/discovery/sighting_cache.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/noise/secret_bytes.h"
#include "net/peer/pending_dial.h"
#include "net/peer/tcp_dialer.h"
#include "net/reach/discovery_server.h"
#include "net/reach/rendezvous_client.h"
#include "net/reach/rendezvous_identity.h"
#include "net/session/session.h"

namespace shoal::cli {

class PairJoin final : public net::SessionDelegate {
 public:
  struct Setup {
    net::EventLoop* loop = nullptr;
    const net::Identity* identity = nullptr;
    std::string device_name;  // what we tell the inviter
    std::chrono::seconds timeout{60};
    // Pairing completed: store the device (the dialed address is where it listens).
    std::function<void(const DeviceId&, const std::string& name, const std::string& code,
                       const std::string& address)>
        on_paired;
    std::function<void(PairJoin&)> on_finished;
    // Rendezvous, when a discovery server is configured: one lookup (the
    // addresses found, empty for none), and how relay:// addresses are dialed.
    using Lookup = std::function<std::unique_ptr<net::HttpsRequest>(
        const net::RendezvousId&, std::function<void(std::vector<std::string>)>)>;
    Lookup lookup;
    // Announces us under the invite's joiner identity for as long as the
    // returned client lives, so that the inviter learns where we are and
    // lets us through its relay (null: not announced).
    using AnnounceJoin =
        std::function<std::unique_ptr<net::RendezvousClient>(net::RendezvousIdentity)>;
    AnnounceJoin announce_join;
    net::DialFunction relay_dial;
  };
  // Parses `code`; replies with the error and returns nullptr when it is bad.
  static std::unique_ptr<PairJoin> Start(Setup setup, const std::string& code,
                                         net::ControlReply reply, bool can_discover);
  PairJoin(Setup setup, net::ControlReply reply)
      : setup_(std::move(setup)), reply_(std::move(reply)) {}

  // A LAN sighting: dialed if it carries our invite's tag.
  void OnSighting(const net::Sighting& sighting, const std::string& address);
  bool done() const { return done_; }

  void OnEstablished(const net::wire::Hello&) override {}
  void OnMessage(net::wire::PeerMessage) override {}  // never on a pairing session
  void OnPaired(const DeviceId& peer, const net::wire::PairAccept& accept,
                const std::string& code) override;
  void OnEnd(const net::SessionEndInfo& end) override;

 private:
  void Dial(const std::string& address);
  void LookUpInviter();
  // A relayed attempt failed at the transport (the inviter's relay may not
  // let us in yet): true when another is scheduled.
  bool RetryRelayed(const std::string& why);
  static constexpr int kRelayedAttempts = 5;
  void OnConnected(Result<UvHandle<uv_tcp_t>> connected);
  void Finish(Result<nlohmann::json> result);

  Setup setup_;
  net::ControlReply reply_;
  net::SecretBytes psk_;
  net::PairingTag tag_{};
  std::unique_ptr<net::Timer> timer_;  // the deadline, then the hand-back
  std::unique_ptr<net::PendingDial> dialer_;
  std::optional<net::RendezvousId> invite_id_;  // the inviter's rendezvous ID
  std::unique_ptr<net::HttpsRequest> lookup_;
  std::unique_ptr<net::Timer> lookup_timer_;
  std::unique_ptr<net::RendezvousClient> joiner_announcement_;
  std::string last_failure_;  // of a relayed attempt tried again
  int relayed_attempts_ = 0;
  std::unique_ptr<net::Session> session_;
  std::string dialed_;
  bool paired_ = false;
  bool done_ = false;
};

}  // namespace shoal::cli
