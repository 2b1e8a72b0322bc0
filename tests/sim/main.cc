// shoal_sim: runs the deterministic cluster simulation over a range of
// seeds (docs/simulation.md).
//
//   shoal_sim --seeds A:B [--devices N] [--steps S] [--verbose] [--full-log]
//             [--no-repeat]
//
// Each seed runs twice and must end in the same state hash (determinism),
// unless --no-repeat. SHOAL_SIM_SEEDS=A:B in the environment overrides
// --seeds (the sanitizer build uses it to run fewer). Index files go to
// $TMPDIR, else /dev/shm when writable. Exit status 1 when any
// seed fails, after printing each failing seed with its invariant
// violations, its log and the command that replays it; 2 on bad usage.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "tests/sim/simulation.h"

namespace {

using shoal::sim::RunOptions;
using shoal::sim::RunOutcome;

constexpr std::size_t kLogTail = 200;

struct Args {
  std::uint64_t first = 1;
  std::uint64_t last = 100;
  RunOptions run;
  bool repeat = true;
  bool full_log = false;
};

bool ParseSeeds(const std::string& text, Args& args) {
  char* end = nullptr;
  args.first = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return false;
  if (*end == '\0') {
    args.last = args.first;
    return true;
  }
  if (*end != ':') return false;
  const char* second = end + 1;
  args.last = std::strtoull(second, &end, 10);
  return end != second && *end == '\0' && args.last >= args.first;
}

int Usage() {
  std::fprintf(stderr,
               "usage: shoal_sim --seeds A:B [--devices N] [--steps S] [--verbose] "
               "[--full-log] [--no-repeat]\n");
  return 2;
}

void PrintFailure(const Args& args, std::uint64_t seed, const RunOutcome& outcome) {
  std::printf("\nFAIL seed %llu (%d devices, %d steps)\n", static_cast<unsigned long long>(seed),
              outcome.devices, args.run.steps);
  for (const std::string& failure : outcome.failures) std::printf("  %s\n", failure.c_str());
  const auto& log = outcome.log;
  std::size_t from = args.full_log || log.size() <= kLogTail ? 0 : log.size() - kLogTail;
  std::printf("log: %zu lines%s\n", log.size(), from == 0 ? "" : ", the last 200:");
  for (std::size_t i = from; i < log.size(); ++i) std::printf("  %s\n", log[i].c_str());
  std::printf("replay: shoal_sim --seeds %llu:%llu --devices %d --steps %d --full-log\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
              outcome.devices, args.run.steps);
  for (const std::string& failure : outcome.failures) {
    std::printf("FAIL seed %llu: %s\n", static_cast<unsigned long long>(seed), failure.c_str());
  }
}

// The second run of a seed must reproduce the first exactly.
void CheckRepeat(const Args& args, RunOutcome& first) {
  RunOutcome second = shoal::sim::RunSeed(args.run);
  if (second.state_hash == first.state_hash && second.log == first.log) return;
  std::string failure("(5) determinism: state hash ");
  failure.append(std::to_string(first.state_hash)).append(" then ");
  failure.append(std::to_string(second.state_hash));
  for (std::size_t i = 0; i < std::min(first.log.size(), second.log.size()); ++i) {
    if (first.log[i] == second.log[i]) continue;
    failure.append("; logs differ at line ").append(std::to_string(i)).append(": '");
    failure.append(first.log[i]).append("' vs '").append(second.log[i]).append("'");
    break;
  }
  first.failures.push_back(failure);
}

int RealMain(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) {
      if (!ParseSeeds(argv[++i], args)) return Usage();
    } else if (arg == "--devices" && has_value) {
      args.run.devices = std::atoi(argv[++i]);
      if (args.run.devices < 2 || args.run.devices > 8) return Usage();
    } else if (arg == "--steps" && has_value) {
      args.run.steps = std::atoi(argv[++i]);
      if (args.run.steps < 0) return Usage();
    } else if (arg == "--verbose") {
      args.run.verbose = true;
    } else if (arg == "--full-log") {
      args.full_log = true;
    } else if (arg == "--no-repeat") {
      args.repeat = false;
    } else {
      return Usage();
    }
  }
  if (const char* env = std::getenv("SHOAL_SIM_SEEDS"); env != nullptr && *env != '\0') {
    if (!ParseSeeds(env, args)) return Usage();
  }
  // The indexes are SQLite files: keep them in memory-backed storage unless
  // told otherwise, so the fsyncs a crash-safe store makes do not dominate.
  // (A simulated crash destroys objects; it never loses what was written.)
  if (std::getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) {
    setenv("TMPDIR", "/dev/shm", 0);
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> failed;
  for (std::uint64_t seed = args.first; seed <= args.last; ++seed) {
    args.run.seed = seed;
    RunOutcome outcome = shoal::sim::RunSeed(args.run);
    if (outcome.failures.empty() && args.repeat) CheckRepeat(args, outcome);
    if (!outcome.failures.empty()) {
      PrintFailure(args, seed, outcome);
      failed.push_back(seed);
    }
    if (seed == args.last) break;  // args.last may be the largest uint64
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t total = args.last - args.first + 1;
  std::printf("shoal_sim: seeds %llu:%llu, %d steps each: %llu passed, %zu failed in %.1f s\n",
              static_cast<unsigned long long>(args.first),
              static_cast<unsigned long long>(args.last), args.run.steps,
              static_cast<unsigned long long>(total - failed.size()), failed.size(), seconds);
  if (failed.empty()) return 0;
  std::printf("failing seeds:");
  for (std::uint64_t seed : failed) std::printf(" %llu", static_cast<unsigned long long>(seed));
  std::printf("\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return RealMain(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shoal_sim: %s\n", e.what());
    return 1;
  }
}
