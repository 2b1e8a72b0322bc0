#include "core/base/rate_meter.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>

namespace shoal {

TEST_CASE("a steady flow reads as its rate once the window is full", "[rate]") {
  RateMeter meter;
  // 100 kB every 100 ms = 1 MB/s, for 10 s.
  for (std::int64_t t = 0; t < 10'000; t += 100) meter.Add(100'000, t);
  CHECK(meter.PerSecond(9'999) == Approx(1'000'000).epsilon(0.03));
}

TEST_CASE("an idle meter reads zero, and a stopped flow drops out of the window", "[rate]") {
  RateMeter meter;
  CHECK(meter.PerSecond(0) == 0);
  CHECK(meter.PerSecond(123'456) == 0);
  for (std::int64_t t = 0; t < 3'000; t += 10) meter.Add(1'000, t);
  CHECK(meter.PerSecond(2'999) > 0);
  CHECK(meter.PerSecond(3'000 + RateMeter::kWindowSeconds * 1000) == 0);
  CHECK(meter.PerSecond(1'000'000) == 0);
}

TEST_CASE("the rate is what arrived within the window over the window's length",
          "[rate][property]") {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 200; ++round) {
    RateMeter meter;
    std::vector<std::pair<std::int64_t, std::uint64_t>> adds;
    std::int64_t t = static_cast<std::int64_t>(rng() % 100'000);
    for (int i = 0; i < 300; ++i) {
      t += static_cast<std::int64_t>(rng() % 200);  // never backwards
      const std::uint64_t n = rng() % 10'000;
      meter.Add(n, t);
      adds.emplace_back(t, n);
    }
    const std::int64_t now = t + static_cast<std::int64_t>(rng() % 3'000);
    const std::int64_t first_second = now / 1000 - RateMeter::kWindowSeconds + 1;
    std::uint64_t expected = 0;
    for (auto [when, n] : adds) {
      if (when / 1000 >= first_second && when <= now) expected += n;
    }
    const double window = (RateMeter::kWindowSeconds - 1) + double(now % 1000 + 1) / 1000.0;
    INFO("round " << round);
    CHECK(meter.PerSecond(now) == Approx(double(expected) / window));
  }
}

}  // namespace shoal
