// CheckBlockList: every list the chunker makes passes, and every list a
// peer could bend out of those rules fails (seeded: the seed is in the
// test's output when a check fails).
#include "core/chunk/block_list_rules.h"

#include <catch2/catch.hpp>
#include <vector>

#include "core/chunk/chunker.h"
#include "core/hash/block_hash.h"
#include "core/model/file_info.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::MemoryReader;
using testing::RandomBytes;
using testing::SplitMix64;

// Only the sizes matter to the rules.
BlockRef Block(std::uint32_t size) { return BlockRef{size, {}}; }

// A list that follows the rules for a file of the class `sizes`, without
// data behind it: for sizes of files too large to chunk in a test.
std::vector<BlockRef> RandomValidList(SplitMix64& rng, const ChunkSizes& sizes,
                                      std::size_t blocks) {
  std::vector<BlockRef> list;
  for (std::size_t i = 0; i + 1 < blocks; ++i) {
    list.push_back(
        Block(sizes.min + static_cast<std::uint32_t>(rng.Below(sizes.max - sizes.min + 1))));
  }
  list.push_back(Block(1 + static_cast<std::uint32_t>(rng.Below(sizes.max))));
  return list;
}

// One way to bend `list` (of a file of `size` bytes) out of the rules; it
// may change the declared size too. Each breaks a rule whatever the list.
void Mutate(SplitMix64& rng, std::vector<BlockRef>& list, std::int64_t& size) {
  const ChunkSizes sizes = ChunkSizesForFile(size);
  const std::size_t at = rng.Below(list.size());
  switch (rng.Below(6)) {
    case 0:  // one block a byte longer: the sizes no longer add up
      list[at].size += 1;
      break;
    case 1:  // the declared size a byte short
      size -= 1;
      break;
    case 2: {  // a non-last block under the minimum, the total unchanged
      const auto cut = 1 + static_cast<std::uint32_t>(rng.Below(sizes.min - 1));
      if (list[at].size <= cut) {
        list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), Block(cut));
        size += cut;
      } else {
        list[at].size -= cut;
        list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), Block(cut));
      }
      break;
    }
    case 3:  // an empty block
      list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), Block(0));
      break;
    case 4: {  // a block over the class maximum (in the class the new size selects)
      const std::uint32_t grown = kLargeFileChunkSizes.max + 1;
      size += grown - list[at].size;
      list[at].size = grown;
      break;
    }
    default: {  // a file of 2 bytes or more as 1-byte blocks
      size = 2 + static_cast<std::int64_t>(rng.Below(100'000));
      list.assign(static_cast<std::size_t>(size), Block(1));
      break;
    }
  }
}

}  // namespace

TEST_CASE("every block list the chunker makes follows the block-size rules", "[chunk][rules]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  INFO("seed " << seed);
  SplitMix64 rng(seed);
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{16} << 10, std::size_t{(16 << 10) + 1},
        static_cast<std::size_t>(rng.Below(4 << 20))}) {
    const Bytes data = RandomBytes(size, seed);
    auto blocks = HashBlocks(MemoryReader(data), static_cast<std::int64_t>(size), seed);
    REQUIRE(blocks);
    INFO(size << " bytes in " << blocks->size() << " blocks");
    CHECK(CheckBlockList(*blocks, static_cast<std::int64_t>(size)));
  }
}

TEST_CASE("seeded random lists within the rules pass and every bent one fails", "[chunk][rules]") {
  const std::uint64_t seed = GENERATE(11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
  INFO("seed " << seed);
  SplitMix64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    // Half small files, half large ones (1 GiB and over): lists only.
    const bool large = rng.Below(2) == 1;
    const ChunkSizes sizes = large ? kLargeFileChunkSizes : kSmallFileChunkSizes;
    std::vector<BlockRef> list;
    std::int64_t size = 0;
    do {
      const std::size_t count = large ? 256 + rng.Below(2000) : 1 + rng.Below(4000);
      list = RandomValidList(rng, sizes, count);
      size = BlockListSize(list);
    } while (ChunkSizesForFile(size) != sizes);  // a list on the wrong side of 1 GiB
    INFO("round " << round << ": " << list.size() << " blocks, " << size << " bytes");
    REQUIRE(CheckBlockList(list, size));
    Mutate(rng, list, size);
    INFO("bent: " << list.size() << " blocks, " << size << " bytes");
    CHECK_FALSE(CheckBlockList(list, size));
  }
}

TEST_CASE("a list is refused for the rule it breaks", "[chunk][rules]") {
  // A million 1-byte blocks: refused on the count, before any block is read.
  std::vector<BlockRef> tiny(1'000'000, Block(1));
  auto refused = CheckBlockList(tiny, 1'000'000);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalidArgument);
  CHECK(refused.error().message ==
        "1000000 blocks for 1000000 bytes, more than the 62 its size allows");
  CHECK(MaxBlocksForFile(0) == 0);
  CHECK(MaxBlocksForFile(1) == 1);
  CHECK(MaxBlocksForFile(std::int64_t{1} << 30) == 4097);
  // An empty file has no blocks; one block of it is refused.
  CHECK(CheckBlockList({}, 0));
  CHECK_FALSE(CheckBlockList(std::vector<BlockRef>{Block(1)}, 0));
  CHECK_FALSE(CheckBlockList({}, 10));
  CHECK_FALSE(CheckBlockList({}, -1));
  // The size class follows the file's size: 64 KiB blocks are fine under
  // 1 GiB and too small from 1 GiB on.
  const std::vector<BlockRef> small_class(16384, Block(64 << 10));
  CHECK_FALSE(CheckBlockList(small_class, std::int64_t{1} << 30));
  const std::vector<BlockRef> under(16383, Block(64 << 10));
  CHECK(CheckBlockList(under, BlockListSize(under)));
  // The last block may be as short as a byte; no other may.
  CHECK(CheckBlockList(std::vector<BlockRef>{Block(16 << 10), Block(1)}, (16 << 10) + 1));
  auto short_first =
      CheckBlockList(std::vector<BlockRef>{Block(1), Block(16 << 10)}, (16 << 10) + 1);
  REQUIRE_FALSE(short_first);
  CHECK(short_first.error().message.find("block 0 of 2 is 1 bytes") != std::string::npos);
  CHECK_FALSE(CheckBlockList(std::vector<BlockRef>{Block(256 << 10), Block((256 << 10) + 1)},
                             (512 << 10) + 1));
}

}  // namespace shoal
