// HashBlocksInParallel must give exactly HashBlocks' block list: a seeded
// property test over data with and without content cut points, segment
// sizes and thread counts, one file in the large size class, and reads that
// end early.
#include "core/hash/parallel_block_hash.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/chunk/chunker.h"
#include "core/hash/block_hash.h"
#include "core/model/file_info.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::MemoryReader;
using testing::RandomBytes;
using testing::SplitMix64;

ReadAtFunction MemoryReadAt(const Bytes& data) {
  return [&data](std::uint64_t offset, std::span<std::uint8_t> into) -> Result<std::size_t> {
    if (offset >= data.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(into.size(), data.size() - offset);
    std::memcpy(into.data(), data.data() + offset, n);
    return n;
  };
}

// Data of one kind: 0 random, 1 zeros, 2 a short pattern repeated (no
// content cut points either), 3 random with long zero runs, 4 two symbols.
Bytes Generate(int kind, std::size_t size, std::uint64_t seed) {
  SplitMix64 random(seed);
  Bytes data = kind == 0 || kind == 3 ? RandomBytes(size, seed) : Bytes(size, 0);
  if (kind == 2) {
    const Bytes pattern = RandomBytes(1 + random.Below(3000), seed + 1);
    for (std::size_t i = 0; i < size; ++i) data[i] = pattern[i % pattern.size()];
  } else if (kind == 3 && size > 0) {
    for (int runs = 0; runs < 6; ++runs) {
      const std::size_t at = random.Below(size);
      const std::size_t length = std::min<std::size_t>(random.Below(1 << 20), size - at);
      std::fill_n(data.begin() + static_cast<std::ptrdiff_t>(at), length, 0);
    }
  } else if (kind == 4) {
    for (auto& byte : data) byte = static_cast<std::uint8_t>(random.Below(2));
  }
  return data;
}

}  // namespace

TEST_CASE("hashing one file on several threads gives exactly the sequential block list",
          "[hash][chunk]") {
  SplitMix64 random(20261204);
  for (int round = 0; round < 60; ++round) {
    const int kind = round % 5;
    const std::size_t size = random.Below(7u << 20);
    const std::uint64_t seed = random.Next();
    const int threads = 1 + static_cast<int>(random.Below(4));
    // 256 KiB is the small class's largest block: segments of 1 to 8 of them.
    const std::int64_t min_segment = (1 + static_cast<std::int64_t>(random.Below(8))) << 18;
    const Bytes data = Generate(kind, size, seed);
    CAPTURE(round, kind, size, threads, min_segment);
    auto sequential = HashBlocks(MemoryReader(data), static_cast<std::int64_t>(size), seed);
    auto parallel = HashBlocksInParallel(MemoryReadAt(data), static_cast<std::int64_t>(size), seed,
                                         threads, min_segment);
    REQUIRE(sequential);
    REQUIRE(parallel);
    REQUIRE(parallel->size() == sequential->size());
    CHECK(*parallel == *sequential);
  }
}

TEST_CASE("a file in the large size class hashes on several threads as it does on one",
          "[hash][chunk]") {
  // 1 GiB + 3 MiB + 5 bytes, made on the fly from its offsets: random 8-byte
  // words, with a 40 MiB zero run that spans segment ends.
  const std::int64_t size = (std::int64_t{1} << 30) + (3 << 20) + 5;
  REQUIRE(ChunkSizesForFile(size) == kLargeFileChunkSizes);
  auto zero_run = [](std::uint64_t offset) {
    return offset >= (300u << 20) && offset < (340u << 20);
  };
  const ReadAtFunction read_at = [&](std::uint64_t offset,
                                     std::span<std::uint8_t> into) -> Result<std::size_t> {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(
        static_cast<std::int64_t>(into.size()), size - static_cast<std::int64_t>(offset)));
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t at = offset + i;
      if (i == 0 || at % 8 == 0) word = SplitMix64(at / 8).Next();
      into[i] = zero_run(at) ? 0 : static_cast<std::uint8_t>(word >> (8 * (at % 8)));
    }
    return n;
  };
  std::int64_t position = 0;
  const ReadFunction read = [&](std::span<std::uint8_t> into) -> Result<std::size_t> {
    auto got = read_at(static_cast<std::uint64_t>(position), into);
    if (got) position += static_cast<std::int64_t>(*got);
    return got;
  };
  auto sequential = HashBlocks(read, size, 77);
  auto parallel = HashBlocksInParallel(read_at, size, 77, 2);
  REQUIRE(sequential);
  REQUIRE(parallel);
  CHECK(parallel->size() == sequential->size());
  CHECK(*parallel == *sequential);
  CHECK(BlockListSize(*parallel) == size);
}

TEST_CASE("a file that ends early while hashed on several threads fails as changed",
          "[hash][chunk]") {
  const Bytes data = RandomBytes(3u << 20, 5);
  const Bytes shorter(data.begin(), data.end() - 1000);
  auto result = HashBlocksInParallel(MemoryReadAt(shorter), static_cast<std::int64_t>(data.size()),
                                     5, 2, std::int64_t{1} << 18);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kConflict);
  CHECK_THAT(result.error().message, Catch::Contains("changed while it was read"));
}

}  // namespace shoal
