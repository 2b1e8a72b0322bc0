#include "net/peer/backoff.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

namespace shoal::net {
namespace {

using std::chrono::milliseconds;

std::vector<milliseconds> Draw(Backoff& backoff, int count) {
  std::vector<milliseconds> delays;
  for (int i = 0; i < count; ++i) delays.push_back(backoff.Next());
  return delays;
}

}  // namespace

TEST_CASE("backoff ceilings double from twice the minimum up to the cap", "[peer]") {
  Backoff backoff({}, 1);  // defaults: 1 s .. 60 s, factor 2
  const std::vector<long> expected = {2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (long ceiling : expected) {
    CHECK(backoff.Ceiling().count() == ceiling);
    const milliseconds delay = backoff.Next();
    CHECK(delay.count() >= 1000);
    CHECK(delay.count() <= ceiling);
  }
  for (int i = 0; i < 1000; ++i) CHECK(backoff.Next() <= milliseconds(60000));
  CHECK(backoff.Ceiling() == milliseconds(60000));
}

TEST_CASE("full jitter spreads delays over [min, ceiling]", "[peer]") {
  Backoff backoff({.min = milliseconds(100), .max = milliseconds(6400)}, 7);
  Draw(backoff, 5);  // ceiling reaches 6400
  REQUIRE(backoff.Ceiling() == milliseconds(6400));
  std::set<long> seen;
  long low = 1 << 30, high = 0;
  for (const milliseconds delay : Draw(backoff, 2000)) {
    REQUIRE(delay >= milliseconds(100));
    REQUIRE(delay <= milliseconds(6400));
    seen.insert(delay.count());
    low = std::min(low, long(delay.count()));
    high = std::max(high, long(delay.count()));
  }
  CHECK(seen.size() > 500);  // actually random, not a constant
  CHECK(low < 400);          // reaches both ends of the range
  CHECK(high > 6100);
}

TEST_CASE("equal jitter keeps delays in the upper half of the ceiling", "[peer]") {
  Backoff backoff({.min = milliseconds(50), .max = milliseconds(800), .jitter = Jitter::kEqual}, 3);
  for (int attempt = 0; attempt < 50; ++attempt) {
    const long ceiling = backoff.Ceiling().count();
    const long delay = backoff.Next().count();
    CHECK(delay >= std::max(50L, ceiling / 2));
    CHECK(delay <= ceiling);
  }
}

TEST_CASE("the same seed gives the same delays, another seed others", "[peer]") {
  Backoff a({}, 42), b({}, 42), c({}, 43);
  const auto first = Draw(a, 20);
  CHECK(first == Draw(b, 20));
  CHECK(first != Draw(c, 20));
}

TEST_CASE("Reset after a success starts the waits over", "[peer]") {
  Backoff backoff({.min = milliseconds(20), .max = milliseconds(50)}, 9);
  Draw(backoff, 10);
  CHECK(backoff.Ceiling() == milliseconds(50));
  backoff.Reset();
  CHECK(backoff.attempts() == 0);
  CHECK(backoff.Ceiling() == milliseconds(40));
  const milliseconds first = backoff.Next();  // full jitter over [20, 40]
  CHECK(first >= milliseconds(20));
  CHECK(first <= milliseconds(40));
  CHECK(backoff.Ceiling() == milliseconds(50));
}

TEST_CASE("invalid backoff options are clamped to valid ones", "[peer]") {
  Backoff backoff({.min = milliseconds(0), .max = milliseconds(-5), .factor = 0.5}, 1);
  for (int i = 0; i < 5; ++i) CHECK(backoff.Next() == milliseconds(1));
}

}  // namespace shoal::net
