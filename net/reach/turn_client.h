// TurnClient: one TCP allocation on a TURN server (RFC 8656 with RFC 6062
// TCP relaying), kept alive for as long as the client lives. Shoal uses it
// as the relay path to a device that nobody can dial directly
// (docs/protocol.md "Relays"):
//
// - Allocate (REQUESTED-TRANSPORT TCP) with long-term credentials, retrying
//   the 401 challenge and a 438 stale nonce; Refresh at half the lifetime;
//   a Binding every keepalive interval, whose silence means the path is gone.
// - CreatePermission for the relay's own address (so another allocation on
//   the same relay may Connect to ours) and for the peer hosts it is given,
//   renewed every 4 minutes (permissions last 5).
// - ConnectionAttempt: somebody connected to our relayed address. A new TCP
//   connection to the server sends ConnectionBind, and the bound connection
//   goes to the delegate: from its first byte on it is the peer's stream.
// - Connect(peer) + ConnectionBind: our way out through the relay, for
//   dialing a device's relayed address.
//
// On any failure of the control connection the allocation is gone: the
// delegate hears OnRelayLost, and the client starts again after a backoff
// (1 s doubling to 60 s, reset by a successful allocation).
//
// Nothing is sent to a peer before the Noise handshake runs over the bound
// connection, and the bound connection carries only what the peer sends:
// coturn drops peer data that arrives before the bind (coturn issue 495), so
// the dialer must not send ahead of the handshake, which Shoal's preamble
// rule already ensures.
//
// Thread: the loop's thread only. Delegate calls never come from inside a
// method call; the delegate must not destroy the client from a callback.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/backoff.h"
#include "net/peer/pending_dial.h"
#include "net/peer/tcp_dialer.h"
#include "net/reach/stun_channel.h"
#include "net/reach/stun_message.h"
#include "net/reach/turn_config.h"

namespace shoal::net {

struct TurnOptions {
  std::chrono::milliseconds timeout{10000};    // connect, and each request
  std::chrono::milliseconds keepalive{60000};  // Binding on the control connection
  std::uint32_t lifetime_s = 600;              // asked for in Allocate and Refresh
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
};

class TurnClient {
 public:
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // An allocation is up: `relayed` is where peers reach us, `mapped` is
    // our public address as the server saw the control connection.
    virtual void OnRelayAllocated(const stun::Address& relayed, const stun::Address& mapped) = 0;
    // The allocation ended (a retry follows by itself). `why` for status.
    virtual void OnRelayLost(const Error& why) = 0;
    // A peer connected to our relayed address from `peer`; `tcp` is bound
    // and carries the peer's bytes from its first unread byte.
    virtual void OnRelayedConnection(UvHandle<uv_tcp_t> tcp, const stun::Address& peer) = 0;
  };
  using ConnectCallback = std::function<void(Result<UvHandle<uv_tcp_t>> bound)>;

  static Result<std::unique_ptr<TurnClient>> Start(EventLoop& loop, TurnServer server,
                                                   Delegate& delegate, TurnOptions options = {});
  TurnClient(const TurnClient&) = delete;
  TurnClient& operator=(const TurnClient&) = delete;
  ~TurnClient();

  // Hosts (numeric IPs) allowed to connect to our relayed address besides
  // the relay itself; replaces the previous set. Each is permitted in a
  // request of its own: one the relay refuses is logged and skipped.
  void SetPermittedHosts(std::vector<std::string> hosts);

  // Opens a connection through our allocation to `peer` (Connect, then
  // ConnectionBind). Fails at once with kBusy when there is no allocation
  // now; otherwise `done` runs once, later. Destroying the returned object
  // cancels: no callback, and a connection bound later is closed.
  class PendingConnect final : public PendingDial {
   public:
    explicit PendingConnect(std::shared_ptr<bool> live) : live_(std::move(live)) {}
    ~PendingConnect() override { *live_ = false; }
    PendingConnect(const PendingConnect&) = delete;
    PendingConnect& operator=(const PendingConnect&) = delete;

   private:
    std::shared_ptr<bool> live_;
  };
  Result<std::unique_ptr<PendingConnect>> ConnectTo(const stun::Address& peer,
                                                    ConnectCallback done);

  bool allocated() const { return relayed_.has_value(); }
  const std::optional<stun::Address>& relayed() const { return relayed_; }
  const std::optional<stun::Address>& mapped() const { return mapped_; }
  const TurnServer& server() const { return server_; }
  // Why the last allocation failed or ended; empty while allocated.
  const std::string& last_error() const { return last_error_; }

 private:
  struct Request;
  struct DataLink;  // a data connection being bound
  TurnClient(EventLoop& loop, TurnServer server, Delegate& delegate, TurnOptions options);

  // The control connection (turn_client.cc).
  void Connect();
  void OnControlConnected(Result<UvHandle<uv_tcp_t>> tcp);
  void OnControlMessage(Bytes bytes);
  void Lost(const Error& why);
  void SendRequest(stun::Message message, std::function<void(const stun::Message&)> on_success,
                   std::function<void(const Error&)> on_error, bool authenticated = true);
  void Send(std::unique_ptr<Request> request);
  void Authenticate(stun::Message& message) const;
  void Allocate();
  void OnAllocated(const stun::Message& response);
  // Refreshes the allocation (and so the nonce: a 438 brings a new one),
  // then runs `then`.
  void Refresh(std::function<void()> then = nullptr);
  void RenewPermissions(const stun::Address& relayed, std::function<void()> then = nullptr);
  void PermitHosts(const stun::Address& relayed);
  void SendKeepalive();

  // Data connections (turn_data.cc).
  void OnConnectionAttempt(const stun::Message& indication);
  void BindData(std::uint32_t connection_id, std::function<void(Result<UvHandle<uv_tcp_t>>)> done);
  void SendBind(DataLink* link);
  void OnDataMessage(DataLink* link, Bytes bytes);
  void FinishData(DataLink* link, Result<UvHandle<uv_tcp_t>> result);

  EventLoop& loop_;
  TurnServer server_;
  Delegate& delegate_;
  TurnOptions options_;
  Backoff backoff_;
  std::unique_ptr<TcpDialer> dial_;
  std::unique_ptr<StunChannel> control_;
  std::map<stun::TransactionId, std::unique_ptr<Request>> requests_;
  std::vector<std::unique_ptr<DataLink>> links_;
  std::unique_ptr<Timer> retry_, refresh_, permissions_, keepalive_, request_timer_;
  std::string realm_, nonce_;
  Credentials credentials_;
  std::optional<stun::Address> relayed_, mapped_;
  std::vector<std::string> permitted_hosts_;
  std::string last_error_;
  bool loss_reported_ = false;  // OnRelayLost told for the current outage
  bool losing_ = false;         // inside Lost()
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace shoal::net
