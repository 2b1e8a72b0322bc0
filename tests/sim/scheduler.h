// Scheduler: the seeded heart of the cluster simulation. One mt19937_64
// makes every random choice of a run; one SimClock gives every device its
// time; and the messages in flight between devices wait here until the
// simulation delivers them.
//
// Ordering model: each direction of a link is a FIFO, as a TCP session is.
// A message gets a random delivery delay, but never overtakes an earlier
// message of the same direction; messages of different directions reorder
// freely. A dropped link loses whatever was in flight on it (Discard).
//
// Every action of the run is appended to the log ("t=1.2s dev0 write a/x
// 40B"): on a failure the log is the recipe to reproduce it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/sync/engine_messages.h"
#include "tests/sim/sim_clock.h"

namespace shoal::sim {

struct InFlight {
  int from = 0;
  int to = 0;
  std::int64_t deliver_at_ns = 0;
  std::uint64_t order = 0;  // enqueue count: breaks ties deterministically
  EngineMessage message;
};

class Scheduler {
 public:
  explicit Scheduler(std::uint64_t seed, std::int64_t max_delay_ms = 300);

  std::mt19937_64& rng() { return rng_; }
  SimClock& clock() { return clock_; }
  // Uniform in [lo, hi] (inclusive).
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi);
  bool Chance(double p);
  // Picks one of `n` (> 0) indexes.
  std::size_t Pick(std::size_t n) { return static_cast<std::size_t>(Uniform(0, n - 1)); }

  // Queues a message from device `from` to device `to` with a random delay.
  void Enqueue(int from, int to, EngineMessage message);
  // The in-flight message due first (earliest delivery time, then enqueue
  // order), removed from the queue; the clock moves forward to its delivery
  // time if that is still ahead. nullopt when nothing is in flight.
  std::optional<InFlight> PopNextDue();
  // Forgets everything in flight between `a` and `b`, both directions.
  std::size_t Discard(int a, int b);
  std::size_t InFlightCount() const { return in_flight_; }

  // Appends "t=<seconds since start>s <line>" to the log (and prints it
  // at once when verbose).
  void Log(const std::string& line);
  const std::vector<std::string>& log() const { return log_; }
  void set_verbose(bool verbose) { verbose_ = verbose; }
  // Seconds since the start of the run, one decimal: "12.3".
  std::string Elapsed() const;

 private:
  std::mt19937_64 rng_;
  SimClock clock_;
  std::int64_t max_delay_ms_;
  std::map<std::pair<int, int>, std::deque<InFlight>> queues_;  // by (from, to)
  std::size_t in_flight_ = 0;
  std::uint64_t next_order_ = 0;
  std::vector<std::string> log_;
  bool verbose_ = false;
};

// One line about a message for the log: "IndexBatch(3 files, full)".
std::string Describe(const EngineMessage& message);

}  // namespace shoal::sim
