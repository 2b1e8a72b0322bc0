// shoal_bench_chunk: block chunking and hashing throughput on one core, over
// incompressible in-memory data, against sha256sum (Syncthing's block hash)
// on the same bytes in the same run. DESIGN.md "Targets": chunk + hash
// >= 2.5 GB/s per core. Not a test: it reports numbers and exits 0.
//
// Usage: shoal_bench_chunk [MiB] [rounds]   (defaults: 256 MiB, 7 rounds)
// Build with optimization (the default RelWithDebInfo) to get real numbers.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/chunk/chunker.h"
#include "core/hash/block_hash.h"
#include "core/hash/parallel_block_hash.h"

namespace shoal {
namespace {

constexpr std::uint64_t kSeed = 0x5eed;

// SplitMix64 output: as incompressible as real media files, and fast to make.
Bytes RandomData(std::size_t size) {
  Bytes data(size);
  std::uint64_t state = 42;
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
    z ^= z >> 31;
    std::memcpy(&data[i], &z, 8);
  }
  return data;
}

// CPU seconds: this thread's, or (children = true) those of the processes
// waited for. The machine is shared, so wall time would count time spent
// descheduled; CPU time is what "per core" throughput means.
double CpuSeconds(bool children = false) {
  if (children) {
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    const auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Timing {
  double median;  // seconds
  double best;
};

Timing Summarize(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times.front()};
}

struct Case {
  const char* name;
  std::function<void()> run;
};

// CPU time of each case, `runs` rounds, the cases taking turns within a
// round so that a noisy neighbour slows them alike. The median is the
// number to quote; the best shows the code when the machine is quiet.
std::vector<Timing> MeasureRoundRobin(int runs, const std::vector<Case>& cases) {
  std::vector<std::vector<double>> times(cases.size());
  for (int round = 0; round < runs; ++round) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const double start = CpuSeconds();
      cases[i].run();
      times[i].push_back(CpuSeconds() - start);
    }
  }
  std::vector<Timing> out;
  for (auto& t : times) out.push_back(Summarize(std::move(t)));
  return out;
}

void Report(const char* what, std::size_t bytes, Timing t) {
  const auto rate = [bytes](double seconds) { return static_cast<double>(bytes) / seconds; };
  std::printf("%-34s %8.1f MB/s %6.2f GB/s   best %6.2f GB/s\n", what, rate(t.median) / 1e6,
              rate(t.median) / 1e9, rate(t.best) / 1e9);
}

// Keeps the optimizer from dropping work whose result is otherwise unused.
volatile std::uint64_t g_sink;

std::vector<std::size_t> ChunkAll(ByteSpan data, const ChunkSizes& sizes) {
  std::vector<std::size_t> lengths;
  while (!data.empty()) {
    const std::size_t cut = FindCutPoint(data, sizes);
    lengths.push_back(cut);
    data = data.subspan(cut);
  }
  return lengths;
}

// sha256sum's CPU time (children's rusage) on a file holding `data`.
Timing TimeSha256sum(ByteSpan data, int runs) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("shoal_bench_chunk." + std::to_string(getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
  const std::string command = "sha256sum '" + path.string() + "' > /dev/null";
  std::vector<double> times;
  int status = 0;
  for (int i = 0; i < runs; ++i) {
    const double start = CpuSeconds(/*children=*/true);
    status |= std::system(command.c_str());
    times.push_back(CpuSeconds(/*children=*/true) - start);
  }
  std::filesystem::remove(path);
  return status == 0 ? Summarize(std::move(times)) : Timing{-1, -1};
}

// Chunks all of `data`, hashing each block when `hash` is set.
void ChunkInPlace(ByteSpan data, const ChunkSizes& sizes, bool hash) {
  while (!data.empty()) {
    const std::size_t cut = FindCutPoint(data, sizes);
    if (hash) g_sink = HashBlock(data.first(cut), kSeed).bytes[0];
    data = data.subspan(cut);
  }
}

void HashOnly(ByteSpan data, const std::vector<std::size_t>& lengths) {
  for (std::size_t length : lengths) {
    g_sink = HashBlock(data.first(length), kSeed).bytes[0];
    data = data.subspan(length);
  }
}

// The scanner's path: a reader copying into the chunker's buffer, as read()
// would; the size (< 1 GiB) picks the small class.
void HashStream(ByteSpan data) {
  std::size_t offset = 0;
  auto blocks = HashBlocks(
      [&](std::span<std::uint8_t> into) -> Result<std::size_t> {
        const std::size_t n = std::min(into.size(), data.size() - offset);
        std::memcpy(into.data(), data.data() + offset, n);
        offset += n;
        return n;
      },
      static_cast<std::int64_t>(data.size()), kSeed);
  g_sink = blocks ? blocks->size() : 0;
}

// One file on `threads` threads (core/hash/parallel_block_hash.h), read
// with a copy as from the page cache.
void HashInParallel(ByteSpan data, int threads) {
  auto blocks = HashBlocksInParallel(
      [&](std::uint64_t offset, std::span<std::uint8_t> into) -> Result<std::size_t> {
        const std::size_t n = std::min<std::size_t>(into.size(), data.size() - offset);
        std::memcpy(into.data(), data.data() + offset, n);
        return n;
      },
      static_cast<std::int64_t>(data.size()), kSeed, threads);
  g_sink = blocks ? blocks->size() : 0;
}

int Run(std::size_t mib, int runs) {
  const Bytes data = RandomData(mib << 20);
  const ByteSpan all(data);
  // All zeros (sparse files, VM images): no position ever cuts, so every
  // block runs to the class's maximum and the whole span past `min` rolls.
  const Bytes zero_data(data.size(), 0);
  const ByteSpan zeros(zero_data);
  const auto small = ChunkAll(all, kSmallFileChunkSizes);
  const auto large = ChunkAll(all, kLargeFileChunkSizes);
  std::printf("shoal_bench_chunk: %zu MiB of random data, one core, CPU time of %d rounds\n", mib,
              runs);
  std::printf("small class 16/64/256 KiB: %zu blocks; large class 256/1024/4096 KiB: %zu\n\n",
              small.size(), large.size());

  const ChunkSizes& s = kSmallFileChunkSizes;
  const ChunkSizes& l = kLargeFileChunkSizes;
  const std::vector<Case> cases = {
      {"chunk, small class", [&] { ChunkInPlace(all, s, false); }},
      {"hash, small-class blocks", [&] { HashOnly(all, small); }},
      {"chunk + hash, small class", [&] { ChunkInPlace(all, s, true); }},
      {"chunk, large class", [&] { ChunkInPlace(all, l, false); }},
      {"hash, large-class blocks", [&] { HashOnly(all, large); }},
      {"chunk + hash, large class", [&] { ChunkInPlace(all, l, true); }},
      {"HashBlocks from a reader (copy)", [&] { HashStream(all); }},
      {"HashBlocksInParallel, 1 thread", [&] { HashInParallel(all, 1); }},
      {"HashBlocksInParallel, 2 threads", [&] { HashInParallel(all, 2); }},
      {"chunk + hash, small class, zeros", [&] { ChunkInPlace(zeros, s, true); }},
      {"chunk + hash, large class, zeros", [&] { ChunkInPlace(zeros, l, true); }},
  };
  const std::vector<Timing> timings = MeasureRoundRobin(runs, cases);
  for (std::size_t i = 0; i < cases.size(); ++i) Report(cases[i].name, data.size(), timings[i]);

  const Timing sha = TimeSha256sum(all, std::min(runs, 3));
  if (sha.median < 0) {
    std::printf("sha256sum failed\n");
    return 0;
  }
  Report("sha256sum (file in page cache)", data.size(), sha);
  std::printf("\nspeed vs sha256sum (medians): chunk + hash %.1fx, HashBlocks %.1fx\n",
              sha.median / timings[2].median, sha.median / timings[6].median);
  std::printf("zeros vs random data, chunk + hash (medians): small class %.2fx, large %.2fx\n",
              timings[2].median / timings[9].median, timings[5].median / timings[10].median);
  std::printf("one file on 2 threads vs 1 (medians): %.2fx\n",
              timings[7].median / timings[8].median);
  return 0;
}

}  // namespace
}  // namespace shoal

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  if (mib == 0 || runs <= 0) {
    std::fprintf(stderr, "usage: shoal_bench_chunk [MiB] [rounds]\n");
    return 2;
  }
  return shoal::Run(mib, runs);
}
