#include "core/chunk/chunker.h"

#include <catch2/catch.hpp>
#include <vector>

#include "core/model/block_ref.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::MemoryReader;
using testing::RandomBytes;
using testing::SplitMix64;

// Block lengths from FindCutPoint applied until the data runs out.
std::vector<std::size_t> CutAll(ByteSpan data, const ChunkSizes& sizes) {
  std::vector<std::size_t> lengths;
  while (!data.empty()) {
    lengths.push_back(FindCutPoint(data, sizes));
    data = data.subspan(lengths.back());
  }
  return lengths;
}

// Block lengths from a streaming Chunker fed by `read`.
std::vector<std::size_t> StreamAll(const ReadFunction& read, const ChunkSizes& sizes) {
  std::vector<std::size_t> lengths;
  Chunker chunker(sizes);
  auto done = chunker.Run(read, [&](ByteSpan block) -> Result<void> {
    lengths.push_back(block.size());
    return {};
  });
  REQUIRE(done);
  return lengths;
}

}  // namespace

TEST_CASE("files under 1 GiB use 16/64/256 KiB blocks, larger ones 256 KiB/1/4 MiB", "[chunk]") {
  CHECK(ChunkSizesForFile(0) == kSmallFileChunkSizes);
  CHECK(ChunkSizesForFile((std::int64_t{1} << 30) - 1) == kSmallFileChunkSizes);
  CHECK(ChunkSizesForFile(std::int64_t{1} << 30) == kLargeFileChunkSizes);
  CHECK(ChunkSizesForFile(std::int64_t{1} << 40) == kLargeFileChunkSizes);
  CHECK(kSmallFileChunkSizes.min == 16u << 10);
  CHECK(kSmallFileChunkSizes.avg == 64u << 10);
  CHECK(kSmallFileChunkSizes.max == 256u << 10);
  CHECK(kLargeFileChunkSizes.min == 256u << 10);
  CHECK(kLargeFileChunkSizes.avg == 1u << 20);
  CHECK(kLargeFileChunkSizes.max == kMaxBlockSize);
}

TEST_CASE("FindCutPoint returns the same cut as the paper's one-byte-per-step loop", "[chunk]") {
  const Bytes data = RandomBytes(24 << 20, 11);
  SplitMix64 rng(12);
  for (const ChunkSizes& sizes : {kSmallFileChunkSizes, kLargeFileChunkSizes}) {
    for (int trial = 0; trial < 300; ++trial) {
      const std::size_t offset = rng.Below(data.size());
      // Lengths around and below the interesting sizes, odd and even.
      const std::size_t length =
          rng.Below(std::min<std::size_t>(data.size() - offset, 2 * sizes.max));
      const ByteSpan input = ByteSpan(data).subspan(offset, length);
      CAPTURE(sizes.avg, offset, length);
      REQUIRE(FindCutPoint(input, sizes) == FindCutPointReference(input, sizes));
    }
  }
}

TEST_CASE("runs of one byte value cut exactly where the one-byte-per-step loop does",
          "[chunk][property]") {
  // Random data interleaved with runs of a random byte value (zeros most
  // often), of lengths around the 64-byte window and the 4 KiB probe
  // interval up to past a whole block, so runs start, end and cross `min`,
  // `avg` and `max` at every alignment. Seeded: a failure reproduces.
  SplitMix64 rng(0x72756e73);
  for (const ChunkSizes& sizes : {kSmallFileChunkSizes, kLargeFileChunkSizes}) {
    for (int trial = 0; trial < 120; ++trial) {
      Bytes input;
      const std::size_t total = sizes.min + rng.Below(2 * sizes.max);
      while (input.size() < total) {
        const std::size_t piece = rng.Below(4) == 0 ? rng.Below(200) : rng.Below(sizes.max);
        if (rng.Below(2) == 0) {
          const auto value = static_cast<std::uint8_t>(rng.Below(3) == 0 ? rng.Below(256) : 0);
          input.insert(input.end(), piece, value);
        } else {
          const Bytes random = RandomBytes(piece, rng.Next());
          input.insert(input.end(), random.begin(), random.end());
        }
      }
      CAPTURE(sizes.avg, trial, input.size());
      REQUIRE(CutAll(input, sizes) == [&] {
        std::vector<std::size_t> lengths;
        for (ByteSpan rest(input); !rest.empty(); rest = rest.subspan(lengths.back())) {
          lengths.push_back(FindCutPointReference(rest, sizes));
        }
        return lengths;
      }());
    }
  }
}

TEST_CASE("a cut right after a run, or inside a run too short to skip, is not missed", "[chunk]") {
  // The chunker looks for a run every 4 KiB from `min`, over the 64 bytes
  // before that point. Each case puts a run of `value` across such a probe
  // point (13 probes in, past `avg`) from `before` bytes ahead of it to
  // `after` bytes past it, with random bytes on both sides. A run of n bytes
  // fixes fp's low n bits, and the masks use bits 15..62, so a skip that
  // ends one byte off, or starts with fewer than 64 bytes of the run behind
  // it, shows only in a cut within a few bytes of the run's end. The test
  // tries seeds until three put a cut there, and checks those (and every
  // 64th seed) against the reference.
  const ChunkSizes sizes = kSmallFileChunkSizes;
  const std::size_t probe = sizes.min + 13 * 4096;
  struct RunCase {
    std::size_t before, after;
    std::uint8_t value;
  };
  for (const RunCase c :
       {RunCase{40, 10, 0}, RunCase{63, 1, 0}, RunCase{64, 1, 0xa5}, RunCase{5000, 0, 0},
        RunCase{5000, 1, 0}, RunCase{5000, 9, 0x3c}, RunCase{5000, 100, 0}}) {
    const std::size_t run_end = probe + c.after;
    int found = 0;
    for (std::uint64_t seed = 1; seed < 100000 && found < 3; ++seed) {
      // Zeros (which never cut, and get skipped too), 3000 random bytes, the
      // run, and 4 KiB of random bytes.
      Bytes input(probe - c.before - 3000, 0);
      const Bytes random = RandomBytes(3000 + 4096, seed);
      input.insert(input.end(), random.begin(), random.begin() + 3000);
      input.insert(input.end(), c.before + c.after, c.value);
      input.insert(input.end(), random.begin() + 3000, random.end());
      const std::size_t cut = FindCutPoint(input, sizes);
      const bool near_end = cut >= probe && cut < run_end + 16;
      if (!near_end && seed % 64 != 0) continue;
      CAPTURE(c.before, c.after, int{c.value}, seed);
      REQUIRE(cut == FindCutPointReference(input, sizes));
      found += near_end;
    }
    CAPTURE(c.before, c.after);
    CHECK(found == 3);
  }
}

TEST_CASE("FindCutPointFrom resumes a scan without changing the cut", "[chunk]") {
  const Bytes data = RandomBytes(16 << 20, 21);
  SplitMix64 rng(22);
  for (const ChunkSizes& sizes : {kSmallFileChunkSizes, kLargeFileChunkSizes}) {
    for (int trial = 0; trial < 200; ++trial) {
      const ByteSpan input = ByteSpan(data).subspan(rng.Below(data.size() - sizes.max), sizes.max);
      const std::size_t cut = FindCutPoint(input, sizes);
      // Any prefix that ends at or before the cut holds no cut point.
      const std::size_t known = rng.Below(cut + 1);
      REQUIRE(FindCutPoint(input.first(known), sizes) == known);
      CAPTURE(sizes.avg, cut, known);
      CHECK(FindCutPointFrom(input, sizes, known) == cut);
    }
  }
}

TEST_CASE("FindCutPoint keeps short inputs whole and never exceeds the maximum", "[chunk]") {
  const ChunkSizes sizes = kSmallFileChunkSizes;
  const Bytes random = RandomBytes(sizes.max + 1000, 31);
  for (std::size_t n : {0u, 1u, 100u, sizes.min - 1, sizes.min}) {
    CHECK(FindCutPoint(ByteSpan(random).first(n), sizes) == n);
  }
  // Constant bytes give a constant fingerprint that never matches a mask:
  // every block is cut at the maximum.
  const Bytes zeros(3 * sizes.max + 5, 0);
  CHECK(CutAll(zeros, sizes) == std::vector<std::size_t>{sizes.max, sizes.max, sizes.max, 5});
}

TEST_CASE("blocks are between min and max bytes, the last may be shorter, and rejoin the input",
          "[chunk]") {
  SplitMix64 rng(41);
  for (const ChunkSizes& sizes : {kSmallFileChunkSizes, kLargeFileChunkSizes}) {
    // Random bytes, then a stretch of a short repeating pattern (low
    // entropy, like sparse or padded files), then random bytes again.
    Bytes data = RandomBytes(6 * sizes.max, rng.Next());
    for (std::size_t i = 2 * sizes.max; i < 4 * sizes.max; ++i) data[i] = "shoal"[i % 5];
    for (std::size_t trial = 0; trial < 8; ++trial) {
      const std::size_t size = rng.Below(data.size() + 1);
      const ByteSpan input = ByteSpan(data).first(size);
      Bytes rejoined;
      Chunker chunker(sizes);
      std::vector<std::size_t> lengths;
      auto done = chunker.Run(MemoryReader(input, 1 + rng.Below(sizes.max)),
                              [&](ByteSpan block) -> Result<void> {
                                lengths.push_back(block.size());
                                rejoined.insert(rejoined.end(), block.begin(), block.end());
                                return {};
                              });
      REQUIRE(done);
      CHECK(rejoined == Bytes(input.begin(), input.end()));
      for (std::size_t i = 0; i < lengths.size(); ++i) {
        CAPTURE(sizes.avg, size, i, lengths.size());
        CHECK(lengths[i] > 0);
        CHECK(lengths[i] <= sizes.max);
        if (i + 1 < lengths.size()) CHECK(lengths[i] >= sizes.min);
      }
    }
  }
}

TEST_CASE("the streaming chunker cuts exactly where FindCutPoint does, whatever the read sizes",
          "[chunk]") {
  const Bytes data = RandomBytes(12 << 20, 51);
  for (const ChunkSizes& sizes : {kSmallFileChunkSizes, kLargeFileChunkSizes}) {
    const auto expected = CutAll(data, sizes);
    CAPTURE(sizes.avg, expected.size());
    CHECK(StreamAll(MemoryReader(data), sizes) == expected);
    CHECK(StreamAll(MemoryReader(data, 4096), sizes) == expected);
    CHECK(StreamAll(MemoryReader(data, sizes.max + 1, /*jitter_seed=*/52), sizes) == expected);
  }
  // 1 to 7 bytes per read: every refill boundary lands mid-block.
  const auto expected = CutAll(data, kSmallFileChunkSizes);
  CHECK(StreamAll(MemoryReader(data, 7, /*jitter_seed=*/53), kSmallFileChunkSizes) == expected);
}

TEST_CASE("a Chunker can be reused and an empty file has no blocks", "[chunk]") {
  const Bytes data = RandomBytes(2 << 20, 61);
  Chunker chunker(kSmallFileChunkSizes);
  std::vector<std::size_t> first;
  std::vector<std::size_t> second;
  for (auto* lengths : {&first, &second}) {
    REQUIRE(chunker.Run(MemoryReader(data), [&](ByteSpan block) -> Result<void> {
      lengths->push_back(block.size());
      return {};
    }));
  }
  CHECK(first == CutAll(data, kSmallFileChunkSizes));
  CHECK(second == first);
  int calls = 0;
  REQUIRE(chunker.Run(MemoryReader({}), [&](ByteSpan) -> Result<void> {
    ++calls;
    return {};
  }));
  CHECK(calls == 0);
}

TEST_CASE("the chunker stops at the first reader or block callback error and returns it",
          "[chunk]") {
  const Bytes data = RandomBytes(1 << 20, 71);
  Chunker chunker(kSmallFileChunkSizes);
  std::size_t delivered = 0;
  const ReadFunction inner = MemoryReader(data, 100000);
  const ReadFunction failing = [&](std::span<std::uint8_t> into) -> Result<std::size_t> {
    if (delivered >= 300000) return Fail(ErrorCode::kIo, "disk on fire");
    auto got = inner(into);
    delivered += *got;
    return got;
  };
  std::size_t blocked = 0;
  auto result = chunker.Run(failing, [&](ByteSpan block) -> Result<void> {
    blocked += block.size();
    return {};
  });
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kIo);
  CHECK(result.error().message == "disk on fire");
  CHECK(blocked < delivered);  // the undecided tail is never passed on

  int calls = 0;
  result = chunker.Run(MemoryReader(data), [&](ByteSpan) -> Result<void> {
    ++calls;
    return Fail(ErrorCode::kCancelled, "stop");
  });
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kCancelled);
  CHECK(calls == 1);
}

}  // namespace shoal
