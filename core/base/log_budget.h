// LogBudget: bounds what one source of repeated warnings can make us log.
// A peer that keeps sending entries we refuse must not be able to fill the
// disk with our log (docs/security.md "Hostile peers and strangers"): its
// lines are let through at most `lines` per `window`, the rest counted, and
// the next line let through says how many were held back.
//
// Thread: one at a time (the owner's).
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal {

class LogBudget {
 public:
  LogBudget(std::size_t lines, std::int64_t window_ns) : lines_(lines), window_ns_(window_ns) {}

  // Whether one more line may be logged at `now_ns` (any monotonic or wall
  // clock, in nanoseconds). When it may, `held_back` is the number of lines
  // refused since the last one let through (0 if none), to be reported in
  // that line; otherwise the line is counted as held back.
  bool Take(std::int64_t now_ns, std::uint64_t& held_back) {
    if (now_ns - window_start_ns_ >= window_ns_ || now_ns < window_start_ns_) {
      window_start_ns_ = now_ns;
      used_ = 0;
    }
    if (used_ >= lines_) {
      ++held_back_;
      return false;
    }
    ++used_;
    held_back = held_back_;
    held_back_ = 0;
    return true;
  }

 private:
  std::size_t lines_;
  std::int64_t window_ns_;
  std::int64_t window_start_ns_ = INT64_MIN / 2;
  std::size_t used_ = 0;
  std::uint64_t held_back_ = 0;
};

}  // namespace shoal
