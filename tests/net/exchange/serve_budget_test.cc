// ServeBudget: a peer's reads for serving stay within rate × time + burst,
// whatever sizes and timing it asks with.
#include "net/exchange/serve_budget.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>

namespace shoal::net {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMiB = std::int64_t{1} << 20;

TEST_CASE("serve budget: admitted bytes never exceed rate times time plus burst and one block",
          "[serve_budget]") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    const ServeRate rate{std::uniform_int_distribution<std::int64_t>(1, 64)(rng) * kMiB,
                         std::uniform_int_distribution<std::int64_t>(4, 64)(rng) * kMiB};
    auto now = ServeBudget::Clock::time_point{} + 1h;
    const auto start = now;
    ServeBudget budget(rate, now);
    std::int64_t admitted = 0;
    for (int i = 0; i < 5000; ++i) {
      now += std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(rng));
      const std::int64_t size = std::uniform_int_distribution<std::int64_t>(1, 4 * kMiB)(rng);
      if (budget.TryCharge(size, now)) admitted += size;
      const double seconds = std::chrono::duration<double>(now - start).count();
      INFO("seed " << seed << " step " << i);
      REQUIRE(admitted <= static_cast<std::int64_t>(seconds * double(rate.bytes_per_second)) +
                              rate.burst + 4 * kMiB);
    }
  }
}

TEST_CASE("serve budget: a spent budget says how long to wait and admits after it",
          "[serve_budget]") {
  auto now = ServeBudget::Clock::time_point{} + 1h;
  ServeBudget budget({8 * kMiB, 8 * kMiB}, now);
  REQUIRE(budget.TryCharge(8 * kMiB, now));  // the burst
  CHECK_FALSE(budget.TryCharge(1, now));
  const auto wait = budget.WaitFor(now);
  CHECK(wait > 0ms);
  CHECK(wait <= 2ms);
  CHECK(budget.TryCharge(4 * kMiB, now + wait));
  // Four MiB of debt at 8 MiB/s: half a second.
  const auto debt = budget.WaitFor(now + wait);
  CHECK(debt >= 490ms);
  CHECK(debt <= 510ms);
  CHECK_FALSE(budget.TryCharge(1, now + wait + debt - 10ms));
  CHECK(budget.TryCharge(1, now + wait + debt));
}

TEST_CASE("serve budget: a long idle time refills to the burst and no further", "[serve_budget]") {
  auto now = ServeBudget::Clock::time_point{} + 1h;
  ServeBudget budget({kMiB, 2 * kMiB}, now);
  REQUIRE(budget.TryCharge(2 * kMiB, now));
  now += std::chrono::hours(24 * 365 * 50);  // no overflow
  REQUIRE(budget.TryCharge(2 * kMiB, now));
  CHECK_FALSE(budget.TryCharge(1, now));
}

TEST_CASE("serve budget: rate 0 admits everything", "[serve_budget]") {
  const auto now = ServeBudget::Clock::time_point{} + 1h;
  ServeBudget budget({0, 0}, now);
  for (int i = 0; i < 1000; ++i) REQUIRE(budget.TryCharge(4 * kMiB, now));
  CHECK(budget.WaitFor(now) == 0ms);
}

}  // namespace
}  // namespace shoal::net
