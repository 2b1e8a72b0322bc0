// Discovery: LAN announcements (docs/protocol.md "Discovery"). Sends this
// daemon's Announcement at start, every `interval`, and at once when the
// pairing tag changes: over IPv4 to the broadcast address of every up,
// non-loopback interface (SO_BROADCAST), over IPv6 to the link-local
// multicast group on every such interface. Listens on both, drops its own
// announcements (same instance ID) and malformed packets (debug log), and
// reports every other one to a callback, marked as news when it is new or
// changed (SightingCache) — a hint: who really is at that address is for
// the handshake to prove.
//
// Either family may be unavailable (no IPv6 in a container, say): Start()
// fails only when neither can be set up.
//
// Thread: the loop thread only. Ownership: the UDP sockets and the timer are
// UvHandles (core/base/uv_handle.h) of this object; the destructor closes
// them and they are freed in their close callbacks, so the loop must be run
// (or EventLoop::Close() called) after destroying a Discovery.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/discovery/announcement.h"
#include "net/discovery/sighting_cache.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

inline constexpr std::uint16_t kDiscoveryPort = 22010;
// ff12::/16 = transient (flag 1), link-local scope (2); group ID 0x5a4c0053 is
// our own pick (not IANA-assigned), documented in docs/protocol.md.
inline constexpr char kDiscoveryGroup[] = "ff12::5a4c:53";

struct DiscoveryOptions {
  std::uint16_t port = kDiscoveryPort;  // UDP port listened on and sent to; nonzero
  std::chrono::milliseconds interval = std::chrono::seconds(30);
  bool ipv4 = true;
  bool ipv6 = true;
  std::string ipv6_group = kDiscoveryGroup;
  // Empty: each interface's directed broadcast address. Otherwise exactly
  // these IPv4 addresses (tests use "127.255.255.255" on loopback).
  std::vector<std::string> ipv4_targets;
  // Sightings remembered; each expires after 3 × interval unseen.
  std::size_t cache_capacity = 256;
};

// Announces only on the address families a peer listener bound to `host`
// accepts, so that every sighting is an address that can be dialed: an IPv4
// host (0.0.0.0 included) gets no IPv6 announcements, and an IPv6 host
// other than "::" (dual-stack) no IPv4 ones.
void MatchListenFamily(DiscoveryOptions& options, const std::string& host);

struct DiscoveryStats {
  std::uint64_t sent = 0;      // datagrams handed to the kernel
  std::uint64_t received = 0;  // datagrams read
  std::uint64_t invalid = 0;   // of those, malformed (dropped)
  std::uint64_t own = 0;       // of those, our own (dropped)
  std::uint64_t reported = 0;  // of those, reported as news
};

class Discovery {
 public:
  // Called on the loop thread; must not destroy the Discovery.
  using Callback = std::function<void(const Sighting&)>;

  // `self.listen_port` must be nonzero. Sends the first announcement now.
  static Result<std::unique_ptr<Discovery>> Start(EventLoop& loop, const DiscoveryOptions& options,
                                                  const Announcement& self, Callback on_sighting);
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;
  ~Discovery();

  // Sets or clears the pairing tag; announces at once when it changed.
  void SetPairingTag(std::optional<PairingTag> tag);
  // Sends one announcement on every interface now.
  void AnnounceNow();

  bool ipv4_active() const { return static_cast<bool>(udp4_); }
  bool ipv6_active() const { return static_cast<bool>(udp6_); }
  const DiscoveryStats& stats() const { return stats_; }
  std::size_t cache_size() const { return cache_.size(); }

 private:
  Discovery(const DiscoveryOptions& options, const Announcement& self, Callback on_sighting);

  Result<UvHandle<uv_udp_t>> OpenSocket(uv_loop_t* loop, int family);
  std::vector<sockaddr_storage> Targets4() const;
  std::vector<sockaddr_storage> Targets6();
  void SendTo(const std::vector<sockaddr_storage>& targets, uv_udp_t* socket, const Bytes& packet);
  void OnDatagram(ssize_t nread, const sockaddr* from, unsigned flags);

  DiscoveryOptions options_;
  Announcement self_;
  Callback on_sighting_;
  SightingCache cache_;
  DiscoveryStats stats_;
  sockaddr_in6 group_{};
  std::set<unsigned> joined_;       // interface indexes whose IPv6 group we joined
  std::array<char, 128> buffer_{};  // > kAnnouncementMaxSize, so oversize is seen
  // Last, so they close first; data points here.
  UvHandle<uv_udp_t> udp4_;
  UvHandle<uv_udp_t> udp6_;
  UvHandle<uv_timer_t> timer_;
};

}  // namespace shoal::net
