// One random run of the cluster simulation: a seed picks the engine knobs,
// then `steps` random actions (user edits, scans, pulls, deliveries,
// partitions, link drops, crashes, time passing), then the settle phase and
// the invariant checks of SimCluster::SettleAndCheck.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::sim {

struct RunOptions {
  std::uint64_t seed = 1;
  int devices = 0;  // 0: 2 to 5, from the seed
  int steps = 200;
  bool verbose = false;  // print the log as it is written
};

struct RunOutcome {
  int devices = 0;
  std::vector<std::string> failures;  // empty: every invariant held
  std::uint64_t state_hash = 0;
  std::vector<std::string> log;
};

RunOutcome RunSeed(const RunOptions& options);

// Devices used for `seed` when RunOptions::devices is 0.
int DevicesForSeed(std::uint64_t seed);

}  // namespace shoal::sim
