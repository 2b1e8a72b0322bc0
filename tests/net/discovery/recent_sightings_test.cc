#include "net/discovery/recent_sightings.h"

#include <catch2/catch.hpp>

namespace shoal::net {
namespace {

using namespace std::chrono_literals;
using Addresses = std::vector<std::string>;

DeviceId Device(std::uint8_t byte) {
  DeviceId::Key key{};
  key[0] = byte;
  key[1] = 1;
  return DeviceId(key);
}

const RecentSightings::Clock::time_point t0{};

}  // namespace

TEST_CASE("a device's sightings are listed most recently heard first", "[discovery]") {
  RecentSightings recent(4, 90s);
  const DeviceId b = Device(2);
  CHECK(recent.Heard(b, "10.0.0.2:22000", t0));
  CHECK(recent.Addresses(b) == Addresses{"10.0.0.2:22000"});
  // A forged announcement for b is a new address: it goes first, the real
  // one stays.
  CHECK(recent.Heard(b, "10.0.0.66:1", t0 + 1s));
  CHECK(recent.Addresses(b) == Addresses{"10.0.0.66:1", "10.0.0.2:22000"});
  // The real device announces again: back in front.
  CHECK(recent.Heard(b, "10.0.0.2:22000", t0 + 30s));
  CHECK(recent.Addresses(b) == Addresses{"10.0.0.2:22000", "10.0.0.66:1"});
  // Heard again while in front: the list does not change.
  CHECK_FALSE(recent.Heard(b, "10.0.0.2:22000", t0 + 60s));
  CHECK(recent.Addresses(b) == Addresses{"10.0.0.2:22000", "10.0.0.66:1"});
  // Devices are kept apart.
  CHECK(recent.Addresses(Device(3)).empty());
  CHECK(recent.Heard(Device(3), "10.0.0.66:1", t0 + 61s));
  CHECK(recent.Addresses(b).size() == 2);
  CHECK(recent.size() == 3);
}

TEST_CASE("a flood of addresses for one device keeps a few and the real one returns first",
          "[discovery]") {
  RecentSightings recent(4, 90s);
  const DeviceId b = Device(2);
  recent.Heard(b, "10.0.0.2:22000", t0);
  for (int i = 0; i < 10000; ++i) {
    recent.Heard(b, "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":1",
                 t0 + std::chrono::milliseconds(i));
    REQUIRE(recent.size() <= 4);
  }
  CHECK(recent.Addresses(b).size() == 4);
  CHECK(recent.Addresses(b).front() == "10.9.39.15:1");  // the last one sent
  // The flood pushed the real address out; its next announcement brings it
  // back, first.
  CHECK(recent.Heard(b, "10.0.0.2:22000", t0 + 30s));
  CHECK(recent.Addresses(b).front() == "10.0.0.2:22000");
  CHECK(recent.size() == 4);
}

TEST_CASE("a sighting not heard for the lifetime is forgotten", "[discovery]") {
  RecentSightings recent(4, 90s);
  const DeviceId b = Device(2), c = Device(3);
  recent.Heard(b, "10.0.0.2:22000", t0);
  recent.Heard(b, "10.0.0.66:1", t0 + 10s);  // forged once
  recent.Heard(c, "10.0.0.3:22000", t0 + 10s);
  // b keeps announcing every 30 s; the forged one and c are heard no more.
  recent.Heard(b, "10.0.0.2:22000", t0 + 30s);
  recent.Heard(b, "10.0.0.2:22000", t0 + 60s);
  CHECK(recent.Expire(t0 + 99s).empty());
  recent.Heard(b, "10.0.0.2:22000", t0 + 90s);
  CHECK(recent.Expire(t0 + 100s) == std::vector<DeviceId>{b, c});
  CHECK(recent.Addresses(b) == Addresses{"10.0.0.2:22000"});
  CHECK(recent.Addresses(c).empty());
  CHECK(recent.size() == 1);
  // Heard again after it expired: new again.
  CHECK(recent.Heard(c, "10.0.0.3:22000", t0 + 101s));
  recent.Forget(b);
  CHECK(recent.Addresses(b).empty());
  CHECK(recent.size() == 1);
}

}  // namespace shoal::net
