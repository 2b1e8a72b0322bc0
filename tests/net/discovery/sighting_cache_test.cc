#include "net/discovery/sighting_cache.h"

#include <catch2/catch.hpp>

namespace shoal::net {
namespace {

using namespace std::chrono_literals;

Sighting MakeSighting(std::uint8_t device, std::string ip, std::uint16_t port = 22000) {
  DeviceId::Key key{};
  key[0] = device;
  key[1] = 1;
  Sighting s;
  s.announcement.device = DeviceId(key);
  s.announcement.instance_id = 42;
  s.announcement.listen_port = port;
  s.ip = std::move(ip);
  return s;
}

}  // namespace

TEST_CASE("a sighting is news once, again when it changes, and again after it expired",
          "[discovery]") {
  SightingCache cache(8, 90s);
  SightingCache::Clock::time_point t0{};
  auto a = MakeSighting(1, "10.0.0.1");
  CHECK(cache.Observe(a, t0));
  CHECK_FALSE(cache.Observe(a, t0 + 30s));
  CHECK_FALSE(cache.Observe(a, t0 + 60s));
  // Another address of the same device is its own entry.
  CHECK(cache.Observe(MakeSighting(1, "fe80::1%eth0"), t0 + 61s));
  // A restarted daemon (new instance) or a new port or tag is news.
  a.announcement.instance_id = 43;
  CHECK(cache.Observe(a, t0 + 62s));
  a.announcement.pairing_tag = PairingTag{};
  CHECK(cache.Observe(a, t0 + 63s));
  CHECK_FALSE(cache.Observe(a, t0 + 64s));
  // Not seen for the ttl: forgotten, so news again.
  CHECK(cache.Observe(a, t0 + 64s + 90s));
  CHECK(cache.size() == 1);
}

TEST_CASE("a flood of distinct sightings never grows the cache past its capacity", "[discovery]") {
  SightingCache cache(256, 90s);
  SightingCache::Clock::time_point t0{};
  auto keep = MakeSighting(0, "10.0.0.1");
  CHECK(cache.Observe(keep, t0));
  for (int i = 0; i < 10000; ++i) {
    auto forged = MakeSighting(static_cast<std::uint8_t>(i),
                               "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    CHECK(cache.Observe(forged, t0 + std::chrono::milliseconds(i)));
    // The device that keeps announcing stays cached (least recently seen goes first).
    if (i % 100 == 0) CHECK_FALSE(cache.Observe(keep, t0 + std::chrono::milliseconds(i)));
    REQUIRE(cache.size() <= 256);
  }
  CHECK(cache.size() == 256);
}

}  // namespace shoal::net
