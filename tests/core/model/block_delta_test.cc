#include "core/model/block_delta.h"

#include <catch2/catch.hpp>

#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::SplitMix64;

BlockRef Block(std::uint64_t id) {
  BlockRef b;
  b.size = 65536;
  for (int i = 0; i < 8; ++i) b.hash.bytes[i] = static_cast<std::uint8_t>(id >> (8 * i));
  return b;
}

std::vector<BlockRef> Blocks(std::size_t count, SplitMix64& rng) {
  std::vector<BlockRef> blocks;
  for (std::size_t i = 0; i < count; ++i) blocks.push_back(Block(rng.Next()));
  return blocks;
}

// One random edit as a chunker would see it: a run of blocks replaced by
// 0-3 new ones (an insert, an overwrite, a cut), at the start, end or inside.
std::vector<BlockRef> Edit(std::vector<BlockRef> blocks, SplitMix64& rng) {
  const std::size_t at = rng.Below(blocks.size() + 1);
  const std::size_t removed = rng.Below(std::min<std::size_t>(3, blocks.size() - at) + 1);
  const auto first = blocks.begin() + static_cast<std::ptrdiff_t>(at);
  blocks.erase(first, first + static_cast<std::ptrdiff_t>(removed));
  const std::vector<BlockRef> added = Blocks(rng.Below(4), rng);
  blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(at), added.begin(), added.end());
  return blocks;
}

}  // namespace

TEST_CASE("a block-list delta rebuilds the target exactly, and is small for a small edit",
          "[model][property]") {
  SplitMix64 rng(0xde17a);
  VersionVector base_version;
  base_version.Set(7, 1);
  for (int trial = 0; trial < 500; ++trial) {
    const std::vector<BlockRef> base = Blocks(kMinDeltaBlocks + rng.Below(300), rng);
    const bool two_edits = rng.Below(4) == 0;  // then the middle may span much
    std::vector<BlockRef> target = Edit(base, rng);
    if (two_edits) target = Edit(target, rng);
    CAPTURE(trial, two_edits, base.size(), target.size());
    auto change = DiffBlockLists(base_version, base, target);
    if (target.size() < kMinDeltaBlocks) {
      CHECK_FALSE(change);
      continue;
    }
    if (!two_edits) {
      REQUIRE(change);
      CHECK(change->middle.size() <= 3);  // at most the blocks the edit added
    }
    if (!change) continue;
    CHECK(2 * change->middle.size() <= target.size());
    CHECK(change->delta.base == base_version);
    auto rebuilt = ApplyBlockListDelta(base, change->delta, change->middle);
    REQUIRE(rebuilt);
    CHECK(*rebuilt == target);
  }
}

TEST_CASE("an unchanged list is a delta with no blocks, a rewritten one is no delta", "[model]") {
  SplitMix64 rng(3);
  const std::vector<BlockRef> base = Blocks(40, rng);
  auto same = DiffBlockLists({}, base, base);
  REQUIRE(same);
  CHECK(same->middle.empty());
  CHECK(same->delta.keep_prefix + same->delta.keep_suffix == 40);
  CHECK(*ApplyBlockListDelta(base, same->delta, same->middle) == base);

  CHECK_FALSE(DiffBlockLists({}, base, Blocks(40, rng)));  // nothing in common
  CHECK_FALSE(DiffBlockLists({}, base, std::vector(base.begin(), base.begin() + 10)));  // short
  CHECK_FALSE(DiffBlockLists({}, {}, base));                                            // no base
  // Repeated blocks: prefix and suffix never overlap in either list.
  const std::vector<BlockRef> same_block(20, Block(1));
  std::vector<BlockRef> longer = same_block;
  longer.push_back(Block(1));
  auto repeated = DiffBlockLists({}, same_block, longer);
  REQUIRE(repeated);
  CHECK(*ApplyBlockListDelta(same_block, repeated->delta, repeated->middle) == longer);
}

TEST_CASE("a delta that keeps more blocks than its base has is refused", "[model]") {
  SplitMix64 rng(4);
  const std::vector<BlockRef> base = Blocks(10, rng);
  CHECK_FALSE(ApplyBlockListDelta(base, {{}, {}, 11, 0}, {}));
  CHECK_FALSE(ApplyBlockListDelta(base, {{}, {}, 6, 5}, {}));
  CHECK_FALSE(ApplyBlockListDelta(base, {{}, {}, 0, ~std::uint64_t{0}}, {}));
  CHECK(ApplyBlockListDelta(base, {{}, {}, 5, 5}, {})->size() == 10);
}

}  // namespace shoal
