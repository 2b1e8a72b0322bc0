#include "core/hash/block_hash.h"

#include <xxhash.h>
#ifdef SHOAL_HAVE_XXH_DISPATCH
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
#endif

#include <cstring>
#include <string>

namespace shoal {
namespace {

Hash128 FromXxh(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  Hash128 out;
  static_assert(sizeof(canonical.digest) == sizeof(out.bytes));
  std::memcpy(out.bytes.data(), canonical.digest, sizeof(out.bytes));
  return out;
}

// Same function, same output; the dispatch entry point uses the widest
// vector unit the CPU has (cmake/Dependencies.cmake).
XXH128_hash_t Xxh3(const void* data, std::size_t size, std::uint64_t seed) {
#ifdef SHOAL_HAVE_XXH_DISPATCH
  return XXH3_128bits_withSeed_dispatch(data, size, seed);
#else
  return XXH3_128bits_withSeed(data, size, seed);
#endif
}

Unexpected SizeChanged(std::int64_t expected, std::int64_t seen) {
  return Fail(ErrorCode::kConflict, "file changed while hashing: expected " +
                                        std::to_string(expected) + " bytes, read " +
                                        std::to_string(seen));
}

}  // namespace

Hash128 HashBlock(ByteSpan block, std::uint64_t seed) {
  return FromXxh(Xxh3(block.data(), block.size(), seed));
}

Hash128 ContentId(std::span<const BlockRef> blocks, std::uint64_t seed) {
  Bytes ids;
  ids.reserve(blocks.size() * sizeof(Hash128::bytes));
  for (const BlockRef& block : blocks) {
    ids.insert(ids.end(), block.hash.bytes.begin(), block.hash.bytes.end());
  }
  return FromXxh(Xxh3(ids.data(), ids.size(), seed));
}

Result<std::vector<BlockRef>> HashBlocks(const ReadFunction& read, std::int64_t expected_size,
                                         std::uint64_t seed) {
  if (expected_size < 0) {
    return Fail(ErrorCode::kInvalidArgument, "negative file size " + std::to_string(expected_size));
  }
  // Counting reads lets a growing file fail at once instead of being read
  // to its new end (the size class would be wrong for it anyway).
  std::int64_t total = 0;
  const ReadFunction counted = [&](std::span<std::uint8_t> into) -> Result<std::size_t> {
    auto got = read(into);
    if (!got) return got;
    total += static_cast<std::int64_t>(*got);
    if (total > expected_size) return SizeChanged(expected_size, total);
    return got;
  };
  const ChunkSizes sizes = ChunkSizesForFile(expected_size);
  std::vector<BlockRef> blocks;
  blocks.reserve(static_cast<std::size_t>(expected_size / sizes.avg) + 1);
  Chunker chunker(sizes);
  auto done = chunker.Run(counted, [&](ByteSpan block) -> Result<void> {
    blocks.push_back(BlockRef{static_cast<std::uint32_t>(block.size()), HashBlock(block, seed)});
    return {};
  });
  if (!done) return done.error();
  if (total != expected_size) return SizeChanged(expected_size, total);
  return blocks;
}

}  // namespace shoal
