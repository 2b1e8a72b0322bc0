// SimClock: the one clock every device of a simulated cluster reads. Only
// the scheduler moves it, so a run is a pure function of its seed.
#pragma once

#include <cstdint>

#include "core/base/clock.h"

namespace shoal::sim {

// A fixed start (2027-01-15), so version vector counters and conflict copy
// names are the same on every run.
inline constexpr std::int64_t kSimEpochNs = 1'800'000'000'000'000'000;

class SimClock final : public Clock {
 public:
  explicit SimClock(std::int64_t start_ns = kSimEpochNs) : now_ns_(start_ns) {}
  std::int64_t NowUnixNanos() override { return now_ns_; }
  std::int64_t now_ns() const { return now_ns_; }
  void Advance(std::int64_t ns) { now_ns_ += ns; }
  // Moves forward to `ns`; never backwards.
  void AdvanceTo(std::int64_t ns) {
    if (ns > now_ns_) now_ns_ = ns;
  }

 private:
  std::int64_t now_ns_;
};

}  // namespace shoal::sim
