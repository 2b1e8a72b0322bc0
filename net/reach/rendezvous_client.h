// RendezvousClient: announces where this device can be reached under its
// rendezvous ID on a discovery server, and looks up the addresses of paired
// devices by theirs (docs/protocol.md "Rendezvous").
//
// Announce: POST /v2/ {"addresses": [...]} with the rendezvous certificate
// as TLS client certificate, at once when the addresses change and again
// when the server's Reannounce-After says (30 minutes when it says
// nothing), or sooner when asked (AnnounceAgain, after we may have moved);
// after a failure, again after its Retry-After or a backoff of 10 s
// doubling to 5 minutes. No addresses: nothing is announced (the
// server forgets the old record on its own).
//
// Lookup: GET /v2/?device=<ID>: the addresses, or kNotFound.
//
// Thread: the loop's thread only; callbacks never come from inside a call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/backoff.h"
#include "net/reach/discovery_server.h"
#include "net/reach/rendezvous_identity.h"

namespace shoal::net {

// "seen://IP:PORT": where the discovery server saw an announcement come
// from. A device announces "seen://:PORT" (its listening port) and the
// server puts the address the request came from in place of the empty host,
// so whoever looks the device up learns its public IP. Never dialed (behind
// a NAT nothing answers there): a device that holds a relay allocation
// permits that IP on it, so that a paired device with no relay of its own
// may dial its relayed address (docs/protocol.md "Rendezvous").
inline constexpr char kSeenScheme[] = "seen://";
// "seen://:PORT".
std::string SeenAnnouncement(int listen_port);
// The IP of a "seen://IP:PORT" (numeric, with a port, and a global unicast
// address: IsGlobalUnicastHost); nullopt for anything else, an empty host
// included. The server fills in only an empty host: a device may announce
// any IP of its choosing there, so it is a hint that decides nothing but a
// relay permission.
std::optional<std::string> SeenHost(std::string_view address);
// The SeenHost of each of `addresses` that has one, each once, at most `limit`.
std::vector<std::string> SeenHosts(const std::vector<std::string>& addresses, std::size_t limit);

class RendezvousClient {
 public:
  using LookupDone = std::function<void(Result<std::vector<std::string>> addresses)>;

  static Result<std::unique_ptr<RendezvousClient>> Start(EventLoop& loop, DiscoveryServer server,
                                                         RendezvousIdentity identity);
  ~RendezvousClient();

  void Announce(std::vector<std::string> addresses);
  // Announces the same addresses again: now, or `min_gap` after the last
  // accepted announcement if that was more recent (one in flight is
  // followed by another; nothing happens before the first is accepted or
  // while a retry is due). The server then sees where we are now: after
  // our public IP changed, a paired device's relay permits the new one
  // (docs/protocol.md "Rendezvous", "seen://").
  void AnnounceAgain(std::chrono::seconds min_gap);
  // `done` runs once, later, unless the returned request is destroyed.
  Result<std::unique_ptr<HttpsRequest>> Lookup(const RendezvousId& id, LookupDone done);

  const RendezvousIdentity& identity() const { return identity_; }
  const DiscoveryServer& server() const { return server_; }
  bool announced() const { return announced_; }
  // Announcements the server accepted so far.
  std::uint64_t announcements() const { return announcements_; }
  const std::string& last_error() const { return last_error_; }

 private:
  RendezvousClient(EventLoop& loop, DiscoveryServer server, RendezvousIdentity identity);
  // Sends after `delay`, replacing whatever was due.
  void Schedule(std::chrono::milliseconds delay);
  // Sends `min_gap` after the last accepted announcement (now if that has
  // passed), unless a send is due sooner.
  void ScheduleAgain(std::chrono::seconds min_gap);
  void SendAnnouncement();
  void OnAnnounced(Result<HttpsResponse> response);

  EventLoop& loop_;
  DiscoveryServer server_;
  RendezvousIdentity identity_;
  std::vector<std::string> addresses_;
  std::unique_ptr<HttpsRequest> in_flight_;
  bool dirty_ = false;  // the addresses changed while a request was in flight
  bool announced_ = false;
  std::uint64_t announcements_ = 0;
  std::chrono::steady_clock::time_point announced_at_;        // of the last accepted one
  std::optional<std::chrono::steady_clock::time_point> due_;  // when the timer sends
  std::optional<std::chrono::seconds> again_gap_;             // AnnounceAgain while in flight
  std::string last_error_;
  Backoff backoff_;
  std::unique_ptr<Timer> timer_;
};

}  // namespace shoal::net
