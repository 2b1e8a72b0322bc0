#include "tests/support/internet_testbed.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/net_namespaces.h"

namespace shoal::testing {
namespace {

// Namespaces of a test process that died without cleaning up, and what
// still runs in them (a router's miniupnpd outlives its namespace's name).
void DeleteStale() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/var/run/netns", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("shx")) continue;
    const long owner = std::strtol(name.c_str() + 3, nullptr, 10);
    if (owner <= 0 || kill(static_cast<pid_t>(owner), 0) == 0 || errno != ESRCH) continue;
    (void)RunCommand({"sh", "-c", "ip netns pids " + name + " | xargs -r kill -9"});
    (void)RunCommand({"ip", "netns", "delete", name});
  }
}

// A home router with miniupnpd (../shared/internet-testbed.md 4.2): its
// forward, prerouting and postrouting chains jump to the chains miniupnpd
// fills, in one inet table named as miniupnpd expects.
std::string UpnpRuleset(const std::string& wan, const std::string& lan) {
  return "table inet filter {\n"
         "  chain forward { type filter hook forward priority 0; policy drop;\n"
         "    ct state established,related accept; jump miniupnpd;\n"
         "    iifname \"" +
         lan + "\" oifname \"" + wan +
         "\" accept; }\n"
         "  chain miniupnpd { }\n"
         "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
         "    jump prerouting_miniupnpd; }\n"
         "  chain prerouting_miniupnpd { }\n"
         "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
         "    jump postrouting_miniupnpd; oifname \"" +
         wan +
         "\" masquerade; }\n"
         "  chain postrouting_miniupnpd { }\n"
         "  chain input { type filter hook input priority filter; policy accept;\n"
         "    iifname \"" +
         wan +
         "\" ct state new drop; }\n"
         "}\n";
}

std::string Ruleset(const std::string& wan, const std::string& lan, Nat nat) {
  if (nat == Nat::kUpnp || nat == Nat::kUpnpCgnat) return UpnpRuleset(wan, lan);
  const std::string masquerade = nat == Nat::kSymmetric ? "masquerade fully-random" : "masquerade";
  return "table ip nat {\n"
         "  chain postrouting {\n"
         "    type nat hook postrouting priority srcnat; policy accept;\n"
         "    oifname \"" +
         wan + "\" " + masquerade +
         "\n"
         "  }\n"
         "}\n"
         "table inet filter {\n"
         "  chain forward {\n"
         "    type filter hook forward priority filter; policy drop;\n"
         "    ct state established,related accept\n"
         "    iifname \"" +
         lan + "\" oifname \"" + wan +
         "\" accept\n"
         "  }\n"
         "  chain input {\n"
         "    type filter hook input priority filter; policy accept;\n"
         "    iifname \"" +
         wan +
         "\" ct state new drop\n"
         "  }\n"
         "}\n";
}

}  // namespace

Result<void> InternetTestbed::Run(const std::vector<std::string>& argv) {
  if (auto ok = RunCommand(argv); !ok) return Fail(ErrorCode::kIo, ok.error().message);
  return {};
}

Result<void> InternetTestbed::AddNamespace(const std::string& name) {
  if (auto ok = RunCommand({"ip", "netns", "add", name}); !ok) {
    return Fail(made_.empty() ? ErrorCode::kUnauthorized : ErrorCode::kIo, ok.error().message);
  }
  made_.push_back(name);
  return Run({"ip", "-n", name, "link", "set", "lo", "up"});
}

Result<std::unique_ptr<InternetTestbed>> InternetTestbed::Create(Nat nat_a, Nat nat_b) {
  if (geteuid() != 0) return Fail(ErrorCode::kUnauthorized, "not running as root");
  if (::access("/usr/sbin/nft", X_OK) != 0) {
    return Fail(ErrorCode::kUnauthorized, "nft is not installed (packaging/install-deps.sh)");
  }
  DeleteStale();
  std::unique_ptr<InternetTestbed> bed(new InternetTestbed("shx" + std::to_string(getpid()) + "-"));
  if (auto built = bed->Build(nat_a, nat_b); !built) return built.error();
  return bed;
}

Result<void> InternetTestbed::Build(Nat nat_a, Nat nat_b) {
  if (auto ok = AddNamespace(inet()); !ok) return ok;
  const std::string in = inet();
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"ip", "-n", in, "link", "add", kBridge, "type", "bridge"},
           {"ip", "-n", in, "addr", "add", std::string(kRelayAddress) + "/24", "dev", kBridge},
           {"ip", "-n", in, "link", "set", kBridge, "up"}}) {
    if (auto ok = Run(step); !ok) return ok;
  }
  struct Side {
    std::string name, wan, net;
    Nat nat;
  };
  const std::string wan_a = nat_a == Nat::kUpnp        ? kUpnpWan
                            : nat_a == Nat::kUpnpCgnat ? kCgnatWan
                                                       : kWanA;
  // Behind a carrier-grade NAT, home A's router hangs off the carrier's
  // namespace, which holds the uplink to the internet.
  if (nat_a == Nat::kUpnpCgnat) {
    if (auto ok = BuildCarrier(); !ok) return ok;
  }
  for (const Side& s : {Side{"A", wan_a, "10.0.1", nat_a}, Side{"B", kWanB, "10.0.2", nat_b}}) {
    const std::string router = prefix_ + "r" + s.name, home = prefix_ + "h" + s.name;
    const std::string wan_if = "w" + s.name, up_if = "i" + s.name, lan_if = "l" + s.name,
                      host_if = "e" + s.name;
    const bool carried = s.nat == Nat::kUpnpCgnat;
    if (auto ok = AddNamespace(router); !ok) return ok;
    if (auto ok = AddNamespace(home); !ok) return ok;
    // The router's WAN link: to the internet's bridge, or to the carrier.
    if (auto ok = carried ? LinkToCarrier(router, wan_if) : LinkToBridge(router, wan_if, up_if);
        !ok) {
      return ok;
    }
    for (const auto& step : std::vector<std::vector<std::string>>{
             {"ip", "-n", router, "addr", "add", s.wan + "/24", "dev", wan_if},
             {"ip", "-n", router, "link", "set", wan_if, "up"},
             {"ip", "link", "add", lan_if, "netns", router, "type", "veth", "peer", "name", host_if,
              "netns", home},
             {"ip", "-n", router, "addr", "add", s.net + ".1/24", "dev", lan_if},
             {"ip", "-n", router, "link", "set", lan_if, "up"},
             {"ip", "-n", home, "addr", "add", s.net + ".2/24", "dev", host_if},
             {"ip", "-n", home, "link", "set", host_if, "up"},
             {"ip", "-n", home, "route", "add", "default", "via", s.net + ".1"},
             {"ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
         }) {
      if (auto ok = Run(step); !ok) return ok;
    }
    const std::string rules = "/tmp/" + router + ".nft";
    std::ofstream(rules) << Ruleset(wan_if, lan_if, s.nat);
    auto loaded = Run({"ip", "netns", "exec", router, "nft", "-f", rules});
    std::filesystem::remove(rules);
    if (!loaded) return loaded;
    if (carried) {
      const std::vector<std::string> route = {"ip",  "-n",      router, "route",
                                              "add", "default", "via",  kCarrierLan};
      if (auto ok = Run(route); !ok) return ok;
      if (auto ok = StartMiniupnpd(router); !ok) return ok;
    } else if (s.nat == Nat::kUpnp) {
      // Its WAN lies outside the internet's /24: on-link routes both ways
      // over the one bridge.
      const std::string outside = s.wan.substr(0, s.wan.rfind('.')) + ".0/24";
      for (const auto& step : std::vector<std::vector<std::string>>{
               {"ip", "-n", router, "route", "add", "198.51.100.0/24", "dev", wan_if},
               {"ip", "-n", in, "route", "add", outside, "dev", kBridge}}) {
        if (auto ok = Run(step); !ok) return ok;
      }
      if (auto ok = StartMiniupnpd(router); !ok) return ok;
    }
  }
  if (nat_a == Nat::kUpnp) {
    const std::string outside = wan_a.substr(0, wan_a.rfind('.')) + ".0/24";
    if (auto ok = Run({"ip", "-n", prefix_ + "rB", "route", "add", outside, "dev", "wB"}); !ok) {
      return ok;
    }
  }
  // The attacker: a host on the internet that is nobody's peer.
  if (auto ok = AddNamespace(attacker()); !ok) return ok;
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", "ex", "netns", attacker(), "type", "veth", "peer", "name", "ix",
            "netns", in},
           {"ip", "-n", in, "link", "set", "ix", "master", kBridge, "up"},
           {"ip", "-n", attacker(), "addr", "add", std::string(kAttackerAddress) + "/24", "dev",
            "ex"},
           {"ip", "-n", attacker(), "link", "set", "ex", "up"}}) {
    if (auto ok = Run(step); !ok) return ok;
  }
  return {};
}

Result<void> InternetTestbed::LinkToBridge(const std::string& router, const std::string& wan_if,
                                           const std::string& up_if) {
  if (auto ok = Run({"ip", "link", "add", wan_if, "netns", router, "type", "veth", "peer", "name",
                     up_if, "netns", inet()});
      !ok) {
    return ok;
  }
  return Run({"ip", "-n", inet(), "link", "set", up_if, "master", kBridge, "up"});
}

Result<void> InternetTestbed::LinkToCarrier(const std::string& router, const std::string& wan_if) {
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", wan_if, "netns", router, "type", "veth", "peer", "name", "cl",
            "netns", carrier()},
           {"ip", "-n", carrier(), "addr", "add", std::string(kCarrierLan) + "/24", "dev", "cl"},
           {"ip", "-n", carrier(), "link", "set", "cl", "up"}}) {
    if (auto ok = Run(step); !ok) return ok;
  }
  return {};
}

// The carrier of home A (kUpnpCgnat): 100.64.0.0/24 towards A's router,
// masqueraded port-preserving behind kWanA on the internet's bridge, as a
// carrier-grade NAT with endpoint-independent mapping does; unsolicited
// connections from the internet are dropped.
Result<void> InternetTestbed::BuildCarrier() {
  const std::string c = carrier(), in = inet();
  if (auto ok = AddNamespace(c); !ok) return ok;
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", "cw", "netns", c, "type", "veth", "peer", "name", kUplinkA,
            "netns", in},
           {"ip", "-n", in, "link", "set", kUplinkA, "master", kBridge, "up"},
           {"ip", "-n", c, "addr", "add", std::string(kWanA) + "/24", "dev", "cw"},
           {"ip", "-n", c, "link", "set", "cw", "up"},
           {"ip", "netns", "exec", c, "sysctl", "-qw", "net.ipv4.ip_forward=1"}}) {
    if (auto ok = Run(step); !ok) return ok;
  }
  const std::string rules = "/tmp/" + c + ".nft";
  std::ofstream(rules) << Ruleset("cw", "cl", Nat::kPortPreserving);
  auto loaded = Run({"ip", "netns", "exec", c, "nft", "-f", rules});
  std::filesystem::remove(rules);
  return loaded;
}

// miniupnpd in `router` (side A), serving UPnP-IGD and NAT-PMP to home A.
Result<void> InternetTestbed::StartMiniupnpd(const std::string& router) {
  if (::access("/usr/sbin/miniupnpd", X_OK) != 0) {
    return Fail(ErrorCode::kNotFound, "miniupnpd is not installed (packaging/install-deps.sh)");
  }
  miniupnpd_conf_ = "/tmp/" + router + "-miniupnpd.conf";
  std::ofstream(miniupnpd_conf_) << "ext_ifname=wA\n"
                                    "listening_ip=lA\n"
                                    "enable_natpmp=yes\n"
                                    "enable_upnp=yes\n"
                                    "secure_mode=yes\n"
                                    "uuid=5b0a6c1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n"
                                    "allow 1024-65535 10.0.1.0/24 1024-65535\n"
                                    "deny 0-65535 0.0.0.0/0 0-65535\n";
  pid_t pid = ::fork();
  if (pid < 0) return Fail(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execlp("ip", "ip", "netns", "exec", router.c_str(), "miniupnpd", "-d", "-f",
             miniupnpd_conf_.c_str(), "-P", (miniupnpd_conf_ + ".pid").c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  miniupnpd_ = pid;
  // Ready once it listens for NAT-PMP (UDP 5351 on the LAN side).
  for (int i = 0; i < 100; ++i) {
    if (RunCommand({"sh", "-c", "ip netns exec " + router + " ss -ulnH | grep -q ':5351 '"})) {
      return {};
    }
    ::usleep(50'000);
  }
  return Fail(ErrorCode::kIo, "miniupnpd did not start in " + router);
}

std::string InternetTestbed::UpnpRules() const {
  const std::string out = "/tmp/" + prefix_ + "upnp-rules.txt";
  (void)RunCommand({"sh", "-c",
                    "ip netns exec " + prefix_ + "rA nft list chain inet filter " +
                        "prerouting_miniupnpd > " + out});
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(out);
  return text.str();
}

Result<void> InternetTestbed::ForwardPort(char side, int port) {
  const std::string s(1, side);
  const std::string router = prefix_ + "r" + s;
  const std::string home = side == 'A' ? "10.0.1.2" : "10.0.2.2";
  const std::string p = std::to_string(port);
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"ip", "netns", "exec", router, "nft", "add", "chain", "ip", "nat", "prerouting",
            "{ type nat hook prerouting priority dstnat; policy accept; }"},
           {"ip", "netns", "exec", router, "nft", "add", "rule", "ip", "nat", "prerouting",
            "iifname", "w" + s, "tcp", "dport", p, "dnat", "to", home + ":" + p},
           {"ip", "netns", "exec", router, "nft", "insert", "rule", "inet", "filter", "forward",
            "iifname", "w" + s, "ip", "daddr", home, "tcp", "dport", p, "accept"}}) {
    if (auto ok = Run(step); !ok) return ok;
  }
  return {};
}

Result<void> InternetTestbed::ChangeWanAddress(char side, const std::string& address) {
  const std::string s(1, side);
  const std::string router = prefix_ + "r" + s;
  if (auto ok = Run({"ip", "-n", router, "addr", "flush", "dev", "w" + s}); !ok) return ok;
  return Run({"ip", "-n", router, "addr", "add", address + "/24", "dev", "w" + s});
}

Result<void> InternetTestbed::DropMappings(char side) {
  const std::string router = prefix_ + "r" + std::string(1, side);
  if (auto ok = Run({"ip", "netns", "exec", router, "sysctl", "-qw",
                     "net.netfilter.nf_conntrack_tcp_loose=0"});
      !ok) {
    return ok;
  }
  return Run({"ip", "netns", "exec", router, "conntrack", "-F"});
}

InternetTestbed::~InternetTestbed() {
  if (miniupnpd_ > 0) {
    ::kill(miniupnpd_, SIGTERM);
    ::waitpid(miniupnpd_, nullptr, 0);
    std::filesystem::remove(miniupnpd_conf_);
  }
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
    (void)RunCommand({"ip", "netns", "delete", *it});
  }
}

Result<std::unique_ptr<PacketCapture>> PacketCapture::Start(const std::string& netns,
                                                            const std::string& interface,
                                                            const std::string& file,
                                                            std::optional<Between> between) {
  in_addr_t end_a = 0, end_b = 0;
  if (between) {
    end_a = ::inet_addr(between->a.c_str());
    end_b = ::inet_addr(between->b.c_str());
  }
  int ready[2];
  if (::pipe(ready) != 0) return Fail(ErrorCode::kIo, "pipe failed");
  auto child = NamespacePair::RunIn(netns, [&]() -> int {
    ::close(ready[0]);
    // ETH_P_ALL: a bridge port hands IP frames to the bridge before any
    // ETH_P_IP socket would see them; taps for all protocols come first.
    int fd = ::socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (fd < 0) return 2;
    int buffer = 64 << 20;  // bursts must not be dropped before we read them
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    sockaddr_ll where{};
    where.sll_family = AF_PACKET;
    where.sll_protocol = htons(ETH_P_ALL);
    where.sll_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
    if (where.sll_ifindex == 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where)) {
      return 3;
    }
    int out = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) return 4;
    (void)!::write(ready[1], "r", 1);
    ::close(ready[1]);
    unsigned char packet[65536];
    for (;;) {
      sockaddr_ll from{};
      socklen_t from_size = sizeof from;
      ssize_t n =
          ::recvfrom(fd, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < static_cast<ssize_t>(sizeof(iphdr)) || from.sll_protocol != htons(ETH_P_IP)) {
        continue;
      }
      const auto* ip = reinterpret_cast<const iphdr*>(packet);
      std::size_t ip_len = ip->ihl * 4u;
      if (ip->protocol != IPPROTO_TCP || n < static_cast<ssize_t>(ip_len + sizeof(tcphdr))) {
        continue;
      }
      if (between && !((ip->saddr == end_a && ip->daddr == end_b) ||
                       (ip->saddr == end_b && ip->daddr == end_a))) {
        continue;
      }
      const auto* tcp = reinterpret_cast<const tcphdr*>(packet + ip_len);
      std::size_t header = ip_len + tcp->doff * 4u;
      if (static_cast<std::size_t>(n) > header) {
        (void)!::write(out, packet + header, static_cast<std::size_t>(n) - header);
      }
    }
  });
  ::close(ready[1]);
  if (!child) {
    ::close(ready[0]);
    return child.error();
  }
  char byte = 0;
  bool started = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  std::unique_ptr<PacketCapture> capture(new PacketCapture(*child, file));
  if (!started) return Fail(ErrorCode::kIo, "the packet capture did not start");
  return capture;
}

PacketCapture::~PacketCapture() { (void)Stop(); }

std::string PacketCapture::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace shoal::testing
