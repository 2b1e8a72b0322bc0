// Hash128 and BlockRef: a block of a file is named by its XXH3-128 hash
// (seeded per folder, DESIGN.md "Hashing") and carries its size; its offset
// in the file is the sum of the sizes before it. Plain values.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal {

// 128-bit hash in canonical (big-endian) byte order, as XXH128_canonical_t
// lays it out; the same bytes go to disk and to the wire.
struct Hash128 {
  std::array<std::uint8_t, 16> bytes{};

  std::string ToHex() const;
  static Result<Hash128> FromBytes(ByteSpan data);
  friend auto operator<=>(const Hash128&, const Hash128&) = default;
};

struct BlockRef {
  std::uint32_t size = 0;  // bytes; at most 4 MiB (the largest block class)
  Hash128 hash;
  friend bool operator==(const BlockRef&, const BlockRef&) = default;
};

// Largest block any chunker size class produces (DESIGN.md "Chunking").
inline constexpr std::uint32_t kMaxBlockSize = 4u << 20;

// Block list wire/disk form: per block a varint size then the 16 hash bytes.
Bytes EncodeBlockList(std::span<const BlockRef> blocks);
// Rejects truncation, zero or oversized blocks.
Result<std::vector<BlockRef>> DecodeBlockList(ByteSpan data);

}  // namespace shoal
