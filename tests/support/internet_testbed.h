// InternetTestbed: two homes behind NAT routers and a small "internet", all
// in network namespaces on this machine (../shared/internet-testbed.md
// section 4). Needs root, iproute2 and nftables.
//
//   hA 10.0.1.2 ── rA (lan 10.0.1.1, wan 198.51.100.1) ─┐
//                                                       ├─ inet: bridge 198.51.100.10
//   hB 10.0.2.2 ── rB (lan 10.0.2.1, wan 198.51.100.2) ─┤   (the relay lives here)
//                        attacker 198.51.100.20 (its own namespace) ─┘
//
// With Nat::kUpnpCgnat, home A is two NATs deep, as behind a carrier-grade
// NAT: rA's WAN is 100.64.0.1 on a link to the carrier's namespace cA
// (100.64.0.254), which masquerades it behind 198.51.100.1 on the bridge.
//
// Each router masquerades its home behind its WAN address with nftables,
// port-preserving ("cone") or with `fully-random` ports ("symmetric"), and
// drops unsolicited connections from the WAN as home routers do. The homes
// cannot reach each other except through the NATs. Addresses are from
// TEST-NET-2 and 10/8 and exist only inside the namespaces.
//
// The destructor deletes every namespace (and with them the veths); a test
// process killed mid-run leaves namespaces that the next Create() removes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace shoal::testing {

// kUpnp: a port-preserving router that also runs miniupnpd (UPnP-IGD and
// NAT-PMP), with a WAN address outside the reserved blocks (5.1.1.1: miniupnpd
// refuses to map on a reserved one, and TEST-NET is reserved). kUpnpCgnat:
// the same router behind a carrier-grade NAT (the diagram above): its WAN
// address is 100.64.0.1, so it has nothing public to map on, and the
// carrier masquerades it again. Side A only. The addresses exist only
// inside these namespaces.
enum class Nat { kPortPreserving, kSymmetric, kUpnp, kUpnpCgnat };

class InternetTestbed {
 public:
  // kUnauthorized when namespaces cannot be made here (not root, no `ip`,
  // no `nft`): the caller skips. Any later failure is kIo.
  static Result<std::unique_ptr<InternetTestbed>> Create(Nat nat_a, Nat nat_b);
  InternetTestbed(const InternetTestbed&) = delete;
  InternetTestbed& operator=(const InternetTestbed&) = delete;
  ~InternetTestbed();

  std::string inet() const { return prefix_ + "inet"; }
  std::string home_a() const { return prefix_ + "hA"; }
  std::string home_b() const { return prefix_ + "hB"; }
  std::string attacker() const { return prefix_ + "x"; }
  std::string carrier() const { return prefix_ + "cA"; }  // kUpnpCgnat only
  static constexpr const char* kRelayAddress = "198.51.100.10";
  static constexpr const char* kWanA = "198.51.100.1";  // kUpnp: kUpnpWan
  static constexpr const char* kUpnpWan = "5.1.1.1";
  static constexpr const char* kCgnatWan = "100.64.0.1";      // rA behind the carrier
  static constexpr const char* kCarrierLan = "100.64.0.254";  // the carrier, towards rA
  static constexpr const char* kWanB = "198.51.100.2";
  static constexpr const char* kAttackerAddress = "198.51.100.20";
  static constexpr const char* kBridge = "br0";
  // In inet(): the bridge ports of the two routers, where everything a home
  // sends or receives passes (capture here).
  static constexpr const char* kUplinkA = "iA";
  static constexpr const char* kUplinkB = "iB";

  // Forwards TCP `port` on home `side`'s ('A' or 'B') WAN address to the
  // same port in the home, as a user's port forward or a UPnP mapping does.
  Result<void> ForwardPort(char side, int port);
  // Home `side`'s router gets a new WAN address (an ISP's new lease): the
  // old one goes, with every NAT mapping made on it.
  Result<void> ChangeWanAddress(char side, const std::string& address);
  // Home `side`'s router forgets every NAT mapping at once, silently: no
  // reset goes either way, and packets of the old connections are dropped
  // instead of being taken up again (nf_conntrack_tcp_loose=0).
  Result<void> DropMappings(char side);
  // kUpnp routers: the port forwards miniupnpd holds now (its nftables
  // chain, one rule per mapping), as text.
  std::string UpnpRules() const;

 private:
  explicit InternetTestbed(std::string prefix) : prefix_(std::move(prefix)) {}
  Result<void> Build(Nat nat_a, Nat nat_b);
  Result<void> Run(const std::vector<std::string>& argv);
  Result<void> AddNamespace(const std::string& name);

  Result<void> BuildCarrier();
  Result<void> LinkToBridge(const std::string& router, const std::string& wan_if,
                            const std::string& up_if);
  Result<void> LinkToCarrier(const std::string& router, const std::string& wan_if);
  Result<void> StartMiniupnpd(const std::string& router);

  std::string prefix_;  // "shx<pid>-"
  std::vector<std::string> made_;
  pid_t miniupnpd_ = -1;
  std::string miniupnpd_conf_;
};

// Records the TCP payload bytes of every IPv4 packet seen on `interface` in
// namespace `netns` (an AF_PACKET socket in a child process) until Stop().
// With `between` (two IPv4 addresses), only packets from one to the other.
class PacketCapture {
 public:
  struct Between {
    std::string a, b;
  };
  static Result<std::unique_ptr<PacketCapture>> Start(const std::string& netns,
                                                      const std::string& interface,
                                                      const std::string& file,
                                                      std::optional<Between> between = {});
  ~PacketCapture();
  // Stops capturing; returns the concatenated payloads.
  std::string Stop();

 private:
  PacketCapture(pid_t pid, std::string file) : pid_(pid), file_(std::move(file)) {}
  pid_t pid_;
  std::string file_;
};

}  // namespace shoal::testing
