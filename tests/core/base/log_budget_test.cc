#include "core/base/log_budget.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <random>

namespace shoal {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST_CASE("a log budget lets the first lines through and counts the rest for the next line") {
  LogBudget budget(3, 60 * kSecond);
  std::uint64_t held = 99;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(budget.Take(kSecond + i, held));
    CHECK(held == 0);
  }
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(budget.Take(2 * kSecond + i, held));
  REQUIRE(budget.Take(61 * kSecond + 1, held));
  CHECK(held == 1000);
  REQUIRE(budget.Take(61 * kSecond + 2, held));
  CHECK(held == 0);
}

TEST_CASE(
    "a log budget over seeded random bursts never logs more than its rate and loses no count") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  std::mt19937_64 random(seed);
  INFO("seed " << seed);
  const std::size_t lines = 1 + random() % 10;
  const std::int64_t window = (1 + static_cast<std::int64_t>(random() % 60)) * kSecond;
  LogBudget budget(lines, window);
  std::int64_t now = static_cast<std::int64_t>(random() % (1000 * kSecond));
  std::deque<std::int64_t> recent;  // times of lines let through, within one window
  std::uint64_t calls = 0, taken = 0, reported = 0, held_since_taken = 0;
  std::int64_t last_call = INT64_MIN;
  for (int i = 0; i < 20'000; ++i) {
    // Mostly bursts a few microseconds apart, sometimes a pause of up to
    // two windows.
    now += random() % 8 == 0 ? static_cast<std::int64_t>(random() % (2 * window))
                             : static_cast<std::int64_t>(random() % 5'000);
    std::uint64_t held = 0;
    const bool quiet_for_a_window = last_call != INT64_MIN && now - last_call >= window;
    const bool ok = budget.Take(now, held);
    ++calls;
    last_call = now;
    // After a window with nothing asked, a line always gets through.
    if (quiet_for_a_window) REQUIRE(ok);
    if (!ok) {
      ++held_since_taken;
      continue;
    }
    ++taken;
    // What it reports is exactly what was refused since the last line.
    REQUIRE(held == held_since_taken);
    reported += held;
    held_since_taken = 0;
    recent.push_back(now);
    while (now - recent.front() >= window) recent.pop_front();
    // Fixed windows: any span of one window length holds at most two
    // windows' worth.
    REQUIRE(recent.size() <= 2 * lines);
  }
  CHECK(taken + reported + held_since_taken == calls);
  CHECK(taken < calls);  // the bursts did overrun the budget
}

}  // namespace
}  // namespace shoal
