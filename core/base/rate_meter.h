// RateMeter: how fast something moves (bytes per second) over the last few
// seconds, updated as it moves: one counter per second for a short sliding
// window, so nothing needs a timer and an idle meter costs nothing.
//
// Times are milliseconds on any monotonic clock (uv_now in sessions).
#pragma once

#include <array>
#include <cstdint>

namespace shoal {

class RateMeter {
 public:
  static constexpr int kWindowSeconds = 5;

  void Add(std::uint64_t amount, std::int64_t now_ms);
  // The average per second over the window ending at `now_ms` (the current,
  // partial second included); 0 when nothing moved within the window.
  double PerSecond(std::int64_t now_ms) const;

 private:
  // Bucket s % size holds second s, for s in (latest_ - size, latest_].
  std::array<std::uint64_t, kWindowSeconds> buckets_{};
  std::int64_t latest_ = -1;  // the newest second with a bucket; -1: none yet
};

}  // namespace shoal
