#include "core/pull/pull_failures.h"

#include <catch2/catch.hpp>

namespace shoal {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

VersionVector At(std::uint64_t counter) {
  VersionVector v;
  v.Set(7, counter);
  return v;
}

}  // namespace

TEST_CASE("a failed name waits 10 s, then twice as long each time, at most an hour",
          "[pull][failure]") {
  PullFailures failures;
  std::int64_t now = 1000 * kSecond;
  std::int64_t expected = 10;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    INFO("attempt " << attempt);
    failures.Record("f", At(1), "disk full", now);
    CHECK(failures.NextRetryNanos() == now + expected * kSecond);
    CHECK(failures.Waiting("f", At(1), now + expected * kSecond - 1));
    CHECK_FALSE(failures.Waiting("f", At(1), now + expected * kSecond));
    CHECK(failures.List().at(0).attempts == attempt);
    now += expected * kSecond;
    expected = std::min<std::int64_t>(expected * 2, 3600);
  }
  CHECK(expected == 3600);
}

TEST_CASE("a new version of a failed name is tried at once and starts its backoff afresh",
          "[pull][failure]") {
  PullFailures failures;
  failures.Record("f", At(1), "permission denied", 0);
  failures.Record("f", At(1), "permission denied", 10 * kSecond);
  REQUIRE(failures.List().at(0).attempts == 2);
  CHECK(failures.Failing("f", At(1)));
  CHECK_FALSE(failures.Failing("f", At(2)));
  CHECK_FALSE(failures.Waiting("f", At(2), 11 * kSecond));  // forgets the old version
  CHECK(failures.empty());
  failures.Record("f", At(2), "disk full", 11 * kSecond);
  CHECK(failures.List().at(0).attempts == 1);
  CHECK(failures.List().at(0).reason == "disk full");
  failures.Clear("f");
  CHECK_FALSE(failures.Waiting("f", At(2), 12 * kSecond));
  CHECK_FALSE(failures.NextRetryNanos());
}

}  // namespace shoal
