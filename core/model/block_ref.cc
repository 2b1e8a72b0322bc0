#include "core/model/block_ref.h"

#include <algorithm>

namespace shoal {

std::string Hash128::ToHex() const { return HexEncode(bytes); }

Result<Hash128> Hash128::FromBytes(ByteSpan data) {
  if (data.size() != 16) {
    return Fail(ErrorCode::kCorrupt, "hash: expected 16 bytes, got " + std::to_string(data.size()));
  }
  Hash128 h;
  std::copy(data.begin(), data.end(), h.bytes.begin());
  return h;
}

Bytes EncodeBlockList(std::span<const BlockRef> blocks) {
  Bytes out;
  out.reserve(blocks.size() * 20);
  for (const BlockRef& b : blocks) {
    AppendVarint(out, b.size);
    out.insert(out.end(), b.hash.bytes.begin(), b.hash.bytes.end());
  }
  return out;
}

Result<std::vector<BlockRef>> DecodeBlockList(ByteSpan data) {
  ByteReader reader(data);
  std::vector<BlockRef> blocks;
  blocks.reserve(data.size() / 17);  // at least 17 bytes per entry
  while (!reader.at_end()) {
    auto size = reader.ReadVarint();
    if (!size) return size.error().Wrap("block list");
    if (*size == 0 || *size > kMaxBlockSize) {
      return Fail(ErrorCode::kCorrupt, "block list: block size " + std::to_string(*size) +
                                           " outside 1.." + std::to_string(kMaxBlockSize));
    }
    auto hash_bytes = reader.ReadBytes(16);
    if (!hash_bytes) return hash_bytes.error().Wrap("block list");
    BlockRef b;
    b.size = static_cast<std::uint32_t>(*size);
    std::copy(hash_bytes->begin(), hash_bytes->end(), b.hash.bytes.begin());
    blocks.push_back(b);
  }
  return blocks;
}

}  // namespace shoal
