// Backoff: how long to wait before the next reconnect attempt — jittered
// exponential backoff (docs/protocol.md "Peer manager").
//
// Wait n (counting from 0 since the last Reset) has the ceiling
// c(n) = min(max, min · factor^(n+1)). The delay drawn for it is
//   full jitter:  uniform in [min, c(n)]
//   equal jitter: uniform in [c(n)/2, c(n)], and never below min
// so no delay is shorter than `min` or longer than `max`, and even the first
// wait after a Reset is spread (over [min, 2·min] by default), so devices
// that lost each other at the same moment do not redial in lockstep. Randomness comes
// from a seeded generator (SplitMix64): the same seed gives the same delays,
// which is what tests use; the peer manager seeds each device's Backoff from
// its own generator so that devices do not retry in lockstep.
//
// Plain value; the thread that owns it.
#pragma once

#include <chrono>
#include <cstdint>

namespace shoal::net {

enum class Jitter { kFull, kEqual };

struct BackoffOptions {
  std::chrono::milliseconds min{1000};
  std::chrono::milliseconds max{60000};
  double factor = 2.0;  // >= 1
  Jitter jitter = Jitter::kFull;
};

class Backoff {
 public:
  // Invalid options (min < 1 ms, max < min, factor < 1) are clamped to the
  // nearest valid ones.
  Backoff(BackoffOptions options, std::uint64_t seed);

  // The delay before the next attempt; each call counts one attempt.
  std::chrono::milliseconds Next();
  // The ceiling c(n) for the next attempt (no randomness, no counting).
  std::chrono::milliseconds Ceiling() const;
  // After a success: the next delay is drawn as for wait 0 again.
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  std::uint64_t NextRandom();
  // Uniform in [low, high] (milliseconds).
  std::int64_t Uniform(std::int64_t low, std::int64_t high);

  BackoffOptions options_;
  std::uint64_t state_;
  int attempts_ = 0;
};

}  // namespace shoal::net
