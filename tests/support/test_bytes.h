// Reproducible test bytes and in-memory readers for code that consumes a
// ReadFunction (the chunker, block hashing, later the scanner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "core/base/bytes.h"
#include "core/chunk/chunker.h"

namespace shoal::testing {

// SplitMix64 (Steele, Lea, Flood 2014): fully specified, so the bytes below
// are the same on every platform and compiler, which golden files rely on.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();
  // Roughly uniform in [0, bound); bound > 0. The bias is negligible here.
  std::uint64_t Below(std::uint64_t bound) { return Next() % bound; }

 private:
  std::uint64_t state_;
};

// `size` bytes: the generator's outputs, each written little-endian.
Bytes RandomBytes(std::size_t size, std::uint64_t seed);
// The same bytes as a string, for file contents.
std::string RandomString(std::size_t size, std::uint64_t seed);

// Reads `data` front to back, at most `max_read` bytes per call. With a
// nonzero `jitter_seed`, each call returns a pseudo-random count in
// [1, max_read] instead (short reads, as pipes and some filesystems give).
// `data` must outlive the reader.
ReadFunction MemoryReader(ByteSpan data,
                          std::size_t max_read = std::numeric_limits<std::size_t>::max(),
                          std::uint64_t jitter_seed = 0);

}  // namespace shoal::testing
