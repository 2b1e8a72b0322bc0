#include "core/hash/block_hash.h"

#include <xxhash.h>

#include <catch2/catch.hpp>
#include <set>

#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::MemoryReader;
using testing::RandomBytes;

// Hash128 byte order, spelled out: the high 64 bits big-endian, then the low
// 64 bits big-endian (XXH128_canonicalFromHash).
Hash128 Canonical(XXH128_hash_t h) {
  Hash128 out;
  for (int i = 0; i < 8; ++i) {
    out.bytes[i] = static_cast<std::uint8_t>(h.high64 >> (56 - 8 * i));
    out.bytes[8 + i] = static_cast<std::uint8_t>(h.low64 >> (56 - 8 * i));
  }
  return out;
}

}  // namespace

TEST_CASE("a block ID is seeded XXH3-128 of the block, high half first, big-endian", "[hash]") {
  // Published XXH3-128 of no bytes with seed 0 (xxHash's own sanity check).
  CHECK(HashBlock({}, 0).ToHex() == "99aa06d3014798d86001c324468d497f");
  const Bytes data = RandomBytes((1 << 20) + 3, 1);
  // Sizes cover each of XXH3's code paths (<=16, <=128, <=240, long).
  for (std::size_t size : {0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 65536, 1048579}) {
    const std::uint64_t seed = 0x0123456789abcdef + size;
    const ByteSpan block = ByteSpan(data).first(size);
    CAPTURE(size);
    CHECK(HashBlock(block, seed) == Canonical(XXH3_128bits_withSeed(block.data(), size, seed)));
  }
}

TEST_CASE("changing the folder seed changes every block ID", "[hash]") {
  const Bytes data = RandomBytes(64 << 10, 2);
  std::set<Hash128> ids;
  for (std::uint64_t seed : {0ull, 1ull, 2ull, 0x8000000000000000ull, ~0ull}) {
    for (std::size_t size : {0, 1, 100, 1000, 65536}) {
      ids.insert(HashBlock(ByteSpan(data).first(size), seed));
    }
  }
  CHECK(ids.size() == 25);
}

TEST_CASE("a content ID is seeded XXH3-128 over the block IDs in file order", "[hash]") {
  const std::uint64_t seed = 77;
  const Bytes data = RandomBytes(3000, 3);
  std::vector<BlockRef> blocks;
  Bytes concatenated;
  for (std::size_t offset : {0, 1000, 2000}) {
    const Hash128 id = HashBlock(ByteSpan(data).subspan(offset, 1000), seed);
    blocks.push_back({1000, id});
    concatenated.insert(concatenated.end(), id.bytes.begin(), id.bytes.end());
  }
  const Hash128 content = ContentId(blocks, seed);
  CHECK(content ==
        Canonical(XXH3_128bits_withSeed(concatenated.data(), concatenated.size(), seed)));
  CHECK(content != ContentId(blocks, seed + 1));

  std::swap(blocks[0], blocks[2]);
  CHECK(ContentId(blocks, seed) != content);  // order matters
  std::swap(blocks[0], blocks[2]);
  blocks[1].size = 999;
  CHECK(ContentId(blocks, seed) == content);  // sizes follow from the content

  CHECK(ContentId({}, seed) == Canonical(XXH3_128bits_withSeed(nullptr, 0, seed)));
}

TEST_CASE("HashBlocks chunks a stream with its size class and hashes every block", "[hash]") {
  const std::uint64_t seed = 5;
  const Bytes data = RandomBytes(3 << 20, 4);
  auto blocks = HashBlocks(MemoryReader(data, 10000, /*jitter_seed=*/6),
                           static_cast<std::int64_t>(data.size()), seed);
  REQUIRE(blocks);
  ByteSpan rest(data);
  std::vector<BlockRef> expected;
  while (!rest.empty()) {
    const std::size_t length = FindCutPoint(rest, kSmallFileChunkSizes);
    expected.push_back({static_cast<std::uint32_t>(length), HashBlock(rest.first(length), seed)});
    rest = rest.subspan(length);
  }
  CHECK(*blocks == expected);
  CHECK(expected.size() > 30);

  auto empty = HashBlocks(MemoryReader({}), 0, seed);
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("HashBlocks reports a file that changed size while read as a conflict", "[hash]") {
  const Bytes data = RandomBytes(200000, 7);
  const auto size = static_cast<std::int64_t>(data.size());
  for (std::int64_t expected : {size - 1, size + 1, std::int64_t{0}}) {
    CAPTURE(expected);
    auto blocks = HashBlocks(MemoryReader(data), expected, 1);
    REQUIRE_FALSE(blocks);
    CHECK(blocks.error().code == ErrorCode::kConflict);
  }
  auto negative = HashBlocks(MemoryReader(data), -1, 1);
  REQUIRE_FALSE(negative);
  CHECK(negative.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("HashBlocks passes the reader's error through", "[hash]") {
  const ReadFunction broken = [](std::span<std::uint8_t>) -> Result<std::size_t> {
    return Fail(ErrorCode::kIo, "read 'x': input/output error");
  };
  auto blocks = HashBlocks(broken, 100, 1);
  REQUIRE_FALSE(blocks);
  CHECK(blocks.error().code == ErrorCode::kIo);
  CHECK(blocks.error().message == "read 'x': input/output error");
}

}  // namespace shoal
