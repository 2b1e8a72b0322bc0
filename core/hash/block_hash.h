// Block IDs and content IDs (DESIGN.md "Hashing", docs/protocol.md "Blocks
// and content IDs"). A block ID is XXH3-128 of the block's bytes, seeded with
// the folder's 64-bit hash seed; a file's content ID is XXH3-128, same seed,
// over its block IDs' 16 bytes each, in file order. The seed is random per
// folder so that someone who can plant files cannot craft collisions
// offline. All IDs are Hash128 in XXH128_canonical_t (big-endian) order.
//
// Pure functions; safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/chunk/chunker.h"
#include "core/model/block_ref.h"

namespace shoal {

// XXH3_128bits_withSeed(block, seed) in canonical byte order.
Hash128 HashBlock(ByteSpan block, std::uint64_t seed);

// XXH3_128bits_withSeed over the concatenated 16-byte IDs of `blocks`. Sizes
// are not hashed: they follow from the boundaries, which follow from the
// content. An empty file's content ID is the seeded hash of no bytes.
Hash128 ContentId(std::span<const BlockRef> blocks, std::uint64_t seed);

// Chunks a file with the size class of `expected_size` and hashes each block.
// Fails with kConflict as soon as `read` delivers more or fewer bytes than
// `expected_size` (the file changed while it was read; the scanner retries),
// and with whatever `read` fails with.
Result<std::vector<BlockRef>> HashBlocks(const ReadFunction& read, std::int64_t expected_size,
                                         std::uint64_t seed);

}  // namespace shoal
