#include "core/model/block_ref.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/model/file_info.h"

namespace shoal {

TEST_CASE("block lists round-trip and sum to the file size", "[model][block]") {
  std::mt19937_64 rng(30);
  for (int i = 0; i < 200; ++i) {
    std::vector<BlockRef> blocks(rng() % 50);
    std::int64_t total = 0;
    for (auto& b : blocks) {
      b.size = static_cast<std::uint32_t>(rng() % kMaxBlockSize + 1);
      for (auto& byte : b.hash.bytes) byte = static_cast<std::uint8_t>(rng());
      total += b.size;
    }
    auto back = DecodeBlockList(EncodeBlockList(blocks));
    REQUIRE(back);
    CHECK(*back == blocks);
    CHECK(BlockListSize(blocks) == total);
  }
}

TEST_CASE("block list decoding rejects truncation and impossible sizes", "[model][block]") {
  BlockRef b{1234, {}};
  Bytes enc = EncodeBlockList(std::vector<BlockRef>{b});
  for (std::size_t cut = 1; cut < enc.size(); ++cut) {
    CHECK_FALSE(DecodeBlockList(ByteSpan(enc).first(cut)));
  }
  Bytes zero = EncodeBlockList(std::vector<BlockRef>{BlockRef{0, {}}});
  CHECK_FALSE(DecodeBlockList(zero));
  Bytes huge = EncodeBlockList(std::vector<BlockRef>{BlockRef{kMaxBlockSize + 1, {}}});
  CHECK_FALSE(DecodeBlockList(huge));
}

TEST_CASE("Hash128 prints as 32 hex digits and needs exactly 16 bytes", "[model][block]") {
  Hash128 h;
  h.bytes[0] = 0xab;
  h.bytes[15] = 0x01;
  CHECK(h.ToHex() == "ab000000000000000000000000000001");
  CHECK(Hash128::FromBytes(h.bytes).value() == h);
  CHECK_FALSE(Hash128::FromBytes(Bytes(15)));
}

}  // namespace shoal
