// Discovery over real sockets on loopback. Announcements go to
// 127.255.255.255 (the broadcast address of lo, which every socket bound to
// the port receives, SO_REUSEADDR) instead of each interface's broadcast
// address, so these tests prove the socket, timer, filtering and cache
// plumbing but not interface enumeration or IPv6 multicast; those are shown
// between two network namespaces in discovery_netns_test.cc.
#include "net/discovery/discovery.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "core/base/scoped_fd.h"

namespace shoal::net {
namespace {

using namespace std::chrono_literals;

// A port per test process, so concurrent ctest runs do not hear each other
// (they would ignore each other anyway: the tests match device IDs).
std::uint16_t TestPort() { return static_cast<std::uint16_t>(40000 + getpid() % 20000); }

Announcement Self(std::uint8_t device, std::uint64_t instance, std::uint16_t port) {
  DeviceId::Key key{};
  key.fill(device);
  return Announcement{DeviceId(key), instance, port, std::nullopt};
}

DiscoveryOptions LoopbackOptions() {
  DiscoveryOptions options;
  options.port = TestPort();
  options.interval = 100ms;
  options.ipv6 = false;
  options.ipv4_targets = {"127.255.255.255"};
  return options;
}

// Runs the loop until `done` or 5 s; the Discovery timers wake it up.
bool RunUntil(EventLoop& loop, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    uv_run(loop.get(), UV_RUN_ONCE);
  }
  return done();
}

// Sends raw datagrams to the discovery port, as a stranger on the LAN would.
void SendRaw(int family, const Bytes& bytes) {
  ScopedFd fd(socket(family, SOCK_DGRAM, 0));
  REQUIRE(fd.get() >= 0);
  sockaddr_storage to{};
  if (family == AF_INET) {
    REQUIRE(uv_ip4_addr("127.0.0.1", TestPort(), reinterpret_cast<sockaddr_in*>(&to)) == 0);
  } else {
    REQUIRE(uv_ip6_addr("::1", TestPort(), reinterpret_cast<sockaddr_in6*>(&to)) == 0);
  }
  socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  REQUIRE(sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), len) ==
          static_cast<ssize_t>(bytes.size()));
}

// Datagrams received that were not our own announcements.
std::uint64_t Foreign(const Discovery& d) { return d.stats().received - d.stats().own; }

}  // namespace

TEST_CASE("a daemon announces only on the address families its listener accepts", "[discovery]") {
  // An IPv6 sighting of a device listening on 0.0.0.0 is an address that
  // refuses every dial: a joiner that tried it first failed to pair.
  struct Case {
    const char* host;
    bool ipv4;
    bool ipv6;
  };
  for (const Case& c :
       {Case{"0.0.0.0", true, false}, Case{"192.0.2.7", true, false}, Case{"::", true, true},
        Case{"::1", false, true}, Case{"fe80::1%eth0", false, true}}) {
    CAPTURE(c.host);
    DiscoveryOptions options;
    MatchListenFamily(options, c.host);
    CHECK(options.ipv4 == c.ipv4);
    CHECK(options.ipv6 == c.ipv6);
  }
}

TEST_CASE("two instances on loopback learn each other's device, address and port", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  std::vector<Sighting> seen_by_a, seen_by_b;
  int repeats_seen_by_b = 0;
  {
    auto a =
        Discovery::Start(**loop, LoopbackOptions(), Self(0xaa, 1, 1111), [&](const Sighting& s) {
          if (s.news) seen_by_a.push_back(s);
        });
    auto b =
        Discovery::Start(**loop, LoopbackOptions(), Self(0xbb, 2, 2222), [&](const Sighting& s) {
          if (s.news) {
            seen_by_b.push_back(s);
          } else {
            ++repeats_seen_by_b;
          }
        });
    REQUIRE(a);
    REQUIRE(b);
    CHECK((*a)->ipv4_active());
    CHECK_FALSE((*a)->ipv6_active());
    REQUIRE(RunUntil(**loop, [&] { return !seen_by_a.empty() && !seen_by_b.empty(); }));
    // A few more rounds: repeats are cached, reported but not as news (so
    // that a device's sightings stay current where they are kept).
    auto sent = (*a)->stats().sent;
    REQUIRE(RunUntil(**loop, [&] { return (*a)->stats().sent >= sent + 3; }));
    REQUIRE(RunUntil(**loop, [&] { return repeats_seen_by_b >= 2; }));
    CHECK((*a)->stats().own > 0);  // heard itself, dropped it
    CHECK((*b)->stats().reported == 1);
  }
  REQUIRE(seen_by_b.size() == 1);
  CHECK(seen_by_b[0].announcement == Self(0xaa, 1, 1111));
  CHECK(seen_by_b[0].ip == "127.0.0.1");
  const auto& to = reinterpret_cast<const sockaddr_in&>(seen_by_b[0].address);
  CHECK(to.sin_family == AF_INET);
  CHECK(ntohs(to.sin_port) == 1111);  // the announced port, not the packet's source port
  REQUIRE(seen_by_a.size() == 1);
  CHECK(seen_by_a[0].announcement.listen_port == 2222);
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("a changed pairing tag is announced at once and reported again", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto slow = LoopbackOptions();
  slow.interval = 1h;  // so any second announcement is the tag change
  std::vector<Sighting> seen;
  {
    auto b = Discovery::Start(**loop, slow, Self(0xbb, 2, 2222), [&](const Sighting& s) {
      if (s.news) seen.push_back(s);
    });
    REQUIRE(b);
    auto a = Discovery::Start(**loop, slow, Self(0xaa, 1, 1111), [](const Sighting&) {});
    REQUIRE(a);
    REQUIRE(RunUntil(**loop, [&] { return seen.size() == 1; }));
    CHECK_FALSE(seen[0].announcement.pairing_tag);
    Bytes secret(16, 7);
    auto tag = DerivePairingTag(secret);
    REQUIRE(tag);
    (*a)->SetPairingTag(*tag);
    REQUIRE(RunUntil(**loop, [&] { return seen.size() == 2; }));
    CHECK(seen[1].announcement.pairing_tag == *tag);
    (*a)->SetPairingTag(*tag);  // unchanged: nothing sent
    CHECK((*a)->stats().sent == 2);
  }
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("malformed packets are dropped and repeats are not news", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto options = LoopbackOptions();
  options.ipv4_targets = {"127.0.0.2"};  // only to ourselves: dropped as our own
  std::vector<Sighting> seen;
  {
    auto d = Discovery::Start(**loop, options, Self(0xbb, 2, 2222),
                              [&](const Sighting& s) { seen.push_back(s); });
    REQUIRE(d);
    Bytes valid = EncodeAnnouncement(Self(0xcc, 3, 3333));
    SendRaw(AF_INET, {});
    SendRaw(AF_INET, Bytes{'S', 'H', 'L', 'A'});
    SendRaw(AF_INET, Bytes(valid.begin(), valid.end() - 1));
    SendRaw(AF_INET, Bytes(1000, 0x53));  // bigger than any announcement
    REQUIRE(RunUntil(**loop, [&] { return (*d)->stats().invalid >= 4; }));
    CHECK(seen.empty());
    SendRaw(AF_INET, valid);
    SendRaw(AF_INET, valid);
    SendRaw(AF_INET, EncodeAnnouncement(Self(0xcc, 3, 4444)));
    REQUIRE(RunUntil(**loop, [&] { return Foreign(**d) >= 7; }));
    CHECK((*d)->stats().invalid == 4);
    REQUIRE(seen.size() == 3);  // the repeat was cached, the new port is news
    CHECK(seen[0].news);
    CHECK_FALSE(seen[1].news);
    CHECK(seen[2].news);
    CHECK(seen[2].announcement.listen_port == 4444);
    CHECK((*d)->stats().reported == 2);
  }
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("a flood of forged devices leaves the cache at its cap", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto options = LoopbackOptions();
  options.ipv4_targets = {"127.0.0.2"};
  options.cache_capacity = 16;
  {
    auto d = Discovery::Start(**loop, options, Self(0xbb, 2, 2222), [](const Sighting&) {});
    REQUIRE(d);
    for (int i = 0; i < 100; ++i) {
      auto forged = Self(0xcc, 3, 3333);
      DeviceId::Key key = forged.device.bytes();
      key[0] = static_cast<std::uint8_t>(i + 1);
      forged.device = DeviceId(key);
      SendRaw(AF_INET, EncodeAnnouncement(forged));
      if (i % 10 == 9) {
        REQUIRE(RunUntil(**loop, [&] { return Foreign(**d) >= std::uint64_t(i + 1); }));
      }
    }
    CHECK((*d)->stats().reported == 100);
    CHECK((*d)->cache_size() == 16);
  }
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("an IPv6 socket receives announcements sent to ::1", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto options = LoopbackOptions();
  options.ipv4 = false;
  options.ipv6 = true;
  std::vector<Sighting> seen;
  {
    auto d = Discovery::Start(**loop, options, Self(0xbb, 2, 2222),
                              [&](const Sighting& s) { seen.push_back(s); });
    if (!d) {
      WARN("SKIPPED: no IPv6 here (" << d.error().message << ")");
      SUCCEED();
    } else {
      REQUIRE((*d)->ipv6_active());
      SendRaw(AF_INET6, EncodeAnnouncement(Self(0xcc, 3, 3333)));
      REQUIRE(RunUntil(**loop, [&] { return !seen.empty(); }));
      CHECK(seen[0].ip == "::1");
      const auto& to = reinterpret_cast<const sockaddr_in6&>(seen[0].address);
      CHECK(to.sin6_family == AF_INET6);
      CHECK(ntohs(to.sin6_port) == 3333);
    }
  }
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("a broken IPv6 setup leaves IPv4 discovery working", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto options = LoopbackOptions();
  options.ipv6 = true;
  options.ipv6_group = "not-an-address";  // stands in for a host without IPv6
  {
    std::vector<Sighting> seen;
    auto a = Discovery::Start(**loop, options, Self(0xaa, 1, 1111), [](const Sighting&) {});
    auto b = Discovery::Start(**loop, options, Self(0xbb, 2, 2222),
                              [&](const Sighting& s) { seen.push_back(s); });
    REQUIRE(a);
    REQUIRE(b);
    CHECK((*a)->ipv4_active());
    CHECK_FALSE((*a)->ipv6_active());
    REQUIRE(RunUntil(**loop, [&] { return !seen.empty(); }));
    CHECK(seen[0].announcement.device == Self(0xaa, 1, 1111).device);
  }
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("discovery refuses to start without a family, a port or an interval", "[discovery]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto options = LoopbackOptions();
  options.ipv4 = false;
  auto none = Discovery::Start(**loop, options, Self(0xaa, 1, 1111), [](const Sighting&) {});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ErrorCode::kInvalidArgument);
  auto no_port = Discovery::Start(**loop, LoopbackOptions(), Self(0xaa, 1, 0), nullptr);
  REQUIRE_FALSE(no_port);
  CHECK((*loop)->Close().has_value());
}

}  // namespace shoal::net
