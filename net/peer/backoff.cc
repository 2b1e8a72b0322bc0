#include "net/peer/backoff.h"

#include <algorithm>
#include <cmath>

namespace shoal::net {

Backoff::Backoff(BackoffOptions options, std::uint64_t seed) : options_(options), state_(seed) {
  options_.min = std::max(options_.min, std::chrono::milliseconds(1));
  options_.max = std::max(options_.max, options_.min);
  if (!(options_.factor >= 1.0)) options_.factor = 1.0;  // also catches NaN
}

std::chrono::milliseconds Backoff::Ceiling() const {
  const double min = static_cast<double>(options_.min.count());
  const double max = static_cast<double>(options_.max.count());
  // pow grows past max quickly; clamping in double avoids overflow.
  const double ceiling = std::min(max, min * std::pow(options_.factor, attempts_ + 1));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling));
}

std::chrono::milliseconds Backoff::Next() {
  const std::int64_t min = options_.min.count();
  const std::int64_t ceiling = Ceiling().count();
  // Stop counting once the cap is reached, so attempts_ cannot overflow.
  if (ceiling < options_.max.count()) ++attempts_;
  if (options_.jitter == Jitter::kFull) return std::chrono::milliseconds(Uniform(min, ceiling));
  return std::chrono::milliseconds(Uniform(std::max(min, ceiling / 2), ceiling));
}

std::uint64_t Backoff::NextRandom() {
  // SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, well mixed.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::int64_t Backoff::Uniform(std::int64_t low, std::int64_t high) {
  if (high <= low) return low;
  const auto span = static_cast<std::uint64_t>(high - low) + 1;
  return low + static_cast<std::int64_t>(NextRandom() % span);  // bias < span / 2^64
}

}  // namespace shoal::net
