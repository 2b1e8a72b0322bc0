// Clock: the engine's only source of wall-clock time, injected so tests and
// the cluster simulation control it. SystemClock reads the real clock.
#pragma once

#include <cstdint>

namespace shoal {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual std::int64_t NowUnixNanos() = 0;
  std::uint64_t NowUnixSeconds() {
    return static_cast<std::uint64_t>(NowUnixNanos() / 1'000'000'000);
  }
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowUnixNanos() override;
};

}  // namespace shoal
