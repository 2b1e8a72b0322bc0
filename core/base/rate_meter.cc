#include "core/base/rate_meter.h"

#include <algorithm>

namespace shoal {
namespace {

constexpr std::int64_t kSize = RateMeter::kWindowSeconds;

std::size_t Slot(std::int64_t second) { return static_cast<std::size_t>(second % kSize); }

}  // namespace

void RateMeter::Add(std::uint64_t amount, std::int64_t now_ms) {
  const std::int64_t second = std::max<std::int64_t>(now_ms, 0) / 1000;
  if (second > latest_) {
    // Seconds nobody wrote to in between held nothing.
    const std::int64_t first_stale = std::max(latest_ + 1, second - kSize + 1);
    for (std::int64_t s = first_stale; s <= second; ++s) buckets_[Slot(s)] = 0;
    latest_ = second;
  } else if (second <= latest_ - kSize) {
    return;  // older than the window: a clock that went backwards
  }
  buckets_[Slot(second)] += amount;
}

double RateMeter::PerSecond(std::int64_t now_ms) const {
  now_ms = std::max<std::int64_t>(now_ms, 0);
  const std::int64_t second = now_ms / 1000;
  std::uint64_t total = 0;
  for (std::int64_t s = std::max(second - kSize + 1, latest_ - kSize + 1);
       s <= std::min(second, latest_); ++s) {
    if (s >= 0) total += buckets_[Slot(s)];
  }
  // The window: the full seconds before this one, plus what has passed of it.
  const double window = double(kSize - 1) + double(now_ms % 1000 + 1) / 1000.0;
  return double(total) / window;
}

}  // namespace shoal
