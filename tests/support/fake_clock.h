// FakeClock: a Clock that only moves when the test says so.
#pragma once

#include <cstdint>

#include "core/base/clock.h"

namespace shoal::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_seconds = 1'800'000'000)
      : now_ns_(unix_seconds * 1'000'000'000) {}
  std::int64_t NowUnixNanos() override { return now_ns_; }
  void AdvanceSeconds(std::int64_t seconds) { now_ns_ += seconds * 1'000'000'000; }

 private:
  std::int64_t now_ns_;
};

}  // namespace shoal::testing
