// The world of the internet tests (issue 14): a testbed in network
// namespaces (tests/support/internet_testbed.h) with two homes behind NAT
// routers, a TURN relay (coturn) and a discovery server (stdiscosrv) on the
// simulated internet, and a real daemon in each home.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/daemon_process.h"
#include "tests/support/coturn_process.h"
#include "tests/support/discosrv_process.h"
#include "tests/support/internet_testbed.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {

// 1 MiB that must never cross the internet in the clear: random bytes (so
// compression cannot shrink what crosses) with a marker every 4 KiB.
std::string Marker();
// `size` bytes from a seeded generator: data that compression cannot shrink.
std::string RandomData(std::size_t size, std::uint64_t seed);
// `device`'s first relayed address ("relay://IP:PORT"), empty while none.
std::string RelayOf(const TestDevice& device);
// `on`'s `devices` entry for `peer` (null when it has none).
nlohmann::json DeviceEntry(const TestDevice& on, const TestDevice& peer);

// Which devices hold a relay allocation.
enum class RelayFor { kNone, kAlphaOnly, kBoth };

struct World {
  shoal::testing::TempDir dir;
  std::unique_ptr<testing::InternetTestbed> bed;
  std::unique_ptr<shoal::testing::CoturnProcess> relay;
  std::unique_ptr<shoal::testing::DiscosrvProcess> discovery;
  std::unique_ptr<TestDevice> a, b;

  // A test server that started goes into `into`; one that is not installed
  // makes the test skip (false, with a WARN); any other failure fails it.
  template <typename Server>
  static bool Started(Result<std::unique_ptr<Server>> started, std::unique_ptr<Server>& into) {
    if (!started && started.error().code == ErrorCode::kNotFound) {
      WARN("skipped: " << started.error().message);
      return false;
    }
    INFO((started ? std::string() : started.error().message));
    REQUIRE(started.has_value());
    into = std::move(*started);
    return true;
  }

  // False (with a WARN) where the testbed cannot be built here. With
  // `rendezvous`, a discovery server runs on the internet too and both
  // devices use it. coturn runs unless `relays` is kNone, and the devices
  // it names are given it.
  bool Build(testing::Nat nat_a, testing::Nat nat_b, bool rendezvous = false,
             RelayFor relays = RelayFor::kBoth);

  // Pairs the two by ID once both have an allocation; beta is told alpha's
  // relayed address and nothing else. Returns once they are connected.
  void PairThroughRelay();
  // PairThroughRelay, then waits for the punched path and shares a folder.
  void PairPunchedAndShare();
  // Waits up to `limit` until both are connected again and their folders
  // agree; returns the seconds since `since`.
  double BackInSync(std::chrono::steady_clock::time_point since, std::chrono::seconds limit);
};

}  // namespace shoal::e2e
