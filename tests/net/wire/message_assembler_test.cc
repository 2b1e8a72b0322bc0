#include "net/wire/message_assembler.h"

#include <zstd.h>

#include <catch2/catch.hpp>

#include "net/wire/record_packer.h"
#include "tests/net/wire/random_messages.h"

namespace shoal::net::wire {
namespace {

using shoal::testing::RandomBytes;
using shoal::testing::SplitMix64;

// Feeds records to `assembler`, returning every message completed.
std::vector<Message> AssembleAll(MessageAssembler& assembler, const std::vector<Bytes>& records) {
  std::vector<Message> out;
  for (const Bytes& plaintext : records) {
    auto record = ParseRecord(plaintext);
    REQUIRE(record);
    auto message = assembler.Add(*record);
    REQUIRE(message);
    if (*message) out.push_back(std::move(**message));
  }
  return out;
}

// A zstd frame header declaring `content_size` bytes, followed by `tail`.
Bytes ZstdHeaderClaiming(std::uint64_t content_size) {
  Bytes out = {0x28, 0xb5, 0x2f, 0xfd, 0xe0};  // magic; FCS field 8 bytes, single segment
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(content_size >> (8 * i)));
  out.insert(out.end(), {0x01, 0x00, 0x00});  // one last raw block of 0 bytes
  return out;
}

}  // namespace

TEST_CASE("records parse type, flags and body and refuse what is not allowed", "[wire]") {
  auto record = ParseRecord(Bytes{3, kFlagMoreFragments | kFlagCompressed, 7, 8});
  REQUIRE(record);
  CHECK(record->type == RecordType::kIndex);
  CHECK(record->body.size() == 2);
  CHECK_FALSE(ParseRecord(Bytes{3}));                      // no flags byte
  CHECK_FALSE(ParseRecord(Bytes{0, 0}));                   // type 0
  CHECK_FALSE(ParseRecord(Bytes{12, 0}));                  // unknown type: close
  CHECK_FALSE(ParseRecord(Bytes{7, 4}));                   // reserved flag
  CHECK_FALSE(ParseRecord(Bytes{6, kFlagMoreFragments}));  // fragmented Response
  CHECK_FALSE(ParseRecord(Bytes(kMaxRecordSize + 1, 7)));
}

TEST_CASE("large messages are fragmented, compressed and reassembled", "[wire]") {
  SplitMix64 rng(11);
  Compressor zstd;
  Index index;
  index.folder = "photos";
  while (Encode(index).size() < 3 * kMaxRecordBody) {
    index.files.push_back(testing::RandomFileInfo(rng));
  }
  Bytes body = Encode(index);
  auto records = PackMessage(RecordType::kIndex, body, zstd);
  REQUIRE(records.size() >= 2);
  for (const Bytes& r : records) CHECK(r.size() <= kMaxRecordSize);
  CHECK((records.front()[1] & kFlagCompressed) != 0);

  // Response records may interleave with the fragments.
  auto response = PackResponse(5, ResponseCode::kOk, Bytes(1000, 'a'), zstd);
  records.insert(records.begin() + 1, response.begin(), response.end());
  MessageAssembler assembler;
  auto messages = AssembleAll(assembler, records);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].type == RecordType::kResponse);
  CHECK(DecodeResponse(messages[0].body)->data == Bytes(1000, 'a'));
  CHECK(messages[1].type == RecordType::kIndex);
  CHECK(messages[1].body == body);
  CHECK(assembler.idle());
}

TEST_CASE("a block whose first piece does not compress is sent uncompressed throughout", "[wire]") {
  Compressor zstd;
  Bytes block = RandomBytes(200000, 2);              // incompressible
  std::fill(block.begin() + 70000, block.end(), 0);  // later pieces compressible
  auto records = PackResponse(9, ResponseCode::kOk, block, zstd);
  REQUIRE(records.size() == 4);
  for (const Bytes& record : records) CHECK((record[1] & kFlagCompressed) == 0);
}

TEST_CASE("block data is cut into self-describing, selectively compressed pieces", "[wire]") {
  Compressor zstd;
  Bytes block = RandomBytes(200000, 1);                // incompressible
  std::fill(block.begin(), block.begin() + 70000, 0);  // first piece compressible
  auto records = PackResponse(77, ResponseCode::kOk, block, zstd);
  REQUIRE(records.size() == 4);
  CHECK((records[0][1] & kFlagCompressed) != 0);
  CHECK((records[2][1] & kFlagCompressed) == 0);
  MessageAssembler assembler;
  Bytes joined;
  for (const Message& m : AssembleAll(assembler, records)) {
    auto piece = DecodeResponse(m.body);
    REQUIRE(piece);
    CHECK(piece->request_id == 77);
    CHECK(piece->offset == joined.size());
    joined.insert(joined.end(), piece->data.begin(), piece->data.end());
  }
  CHECK(joined == block);
  auto error = PackResponse(78, ResponseCode::kNoSuchFile, {}, zstd);
  REQUIRE(error.size() == 1);
  CHECK(DecodeResponse(ParseRecord(error[0])->body)->code == ResponseCode::kNoSuchFile);
}

TEST_CASE("one compressor packs block after block, each reassembled whole (seeded)", "[wire]") {
  // The compressor's scratch buffer is reused from Response to Response: a
  // smaller or incompressible block after a larger compressible one must
  // carry only its own bytes.
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SplitMix64 rng(seed);
    Compressor zstd;
    for (int i = 0; i < 24; ++i) {
      const std::size_t size = rng.Next() % (3 * kMaxResponseData);
      Bytes block = RandomBytes(size, seed * 100 + static_cast<std::uint64_t>(i));
      // Some blocks compress: a run of zeros over part or all of them.
      const std::size_t zeros = rng.Next() % 3 == 0 ? 0 : rng.Next() % (size + 1);
      std::fill(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(zeros), 0);
      const auto id = static_cast<std::uint32_t>(i);
      auto records = PackResponse(id, ResponseCode::kOk, block, zstd);
      MessageAssembler assembler;
      Bytes joined;
      for (const Message& m : AssembleAll(assembler, records)) {
        auto piece = DecodeResponse(m.body);
        REQUIRE(piece);
        CHECK(piece->request_id == id);
        joined.insert(joined.end(), piece->data.begin(), piece->data.end());
      }
      INFO("seed " << seed << ", block " << i << ", " << size << " bytes, " << zeros << " zeros");
      CHECK(joined == block);
    }
  }
}

TEST_CASE("compression pays only when it saves at least an eighth", "[wire]") {
  CHECK(CompressionPays(800, 700));
  CHECK_FALSE(CompressionPays(800, 701));
  CHECK_FALSE(CompressionPays(0, 0));
  CHECK_FALSE(CompressionPays(7, 7));
}

TEST_CASE("another message may not start inside a fragmented one", "[wire]") {
  MessageAssembler assembler;
  REQUIRE(assembler.Add({RecordType::kIndex, kFlagMoreFragments, Bytes{1}}));
  CHECK_FALSE(assembler.idle());
  auto hello = assembler.Add({RecordType::kHello, 0, {}});
  REQUIRE_FALSE(hello);
  CHECK(hello.error().message.find("Hello inside a fragmented Index") != std::string::npos);

  MessageAssembler flags;
  REQUIRE(flags.Add({RecordType::kIndex, kFlagMoreFragments, Bytes{1}}));
  CHECK_FALSE(flags.Add({RecordType::kIndex, kFlagCompressed, Bytes{1}}));
}

TEST_CASE("the assembler cap holds without allocating beyond it", "[wire]") {
  MessageAssembler assembler(100000);
  Bytes fragment(kMaxRecordBody, 1);
  REQUIRE(assembler.Add({RecordType::kIndex, kFlagMoreFragments, fragment}));
  auto over = assembler.Add({RecordType::kIndex, kFlagMoreFragments, fragment});
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kProtocol);
  CHECK(over.error().message.find("exceeds 100000") != std::string::npos);
  CHECK(assembler.buffered() == kMaxRecordBody);

  // A peer claiming a 4 GiB message only ever gets kMaxMessageBody buffered.
  MessageAssembler full;
  std::size_t fed = 0;
  Result<std::optional<Message>> result = std::optional<Message>();
  while (result && fed < (std::uint64_t{4} << 30)) {
    result = full.Add({RecordType::kIndex, kFlagMoreFragments, fragment});
    fed += fragment.size();
  }
  REQUIRE_FALSE(result);
  CHECK(full.buffered() <= kMaxMessageBody);
  CHECK(fed <= kMaxMessageBody + kMaxRecordBody);
}

TEST_CASE("zstd bombs and frames without a size are refused before inflating", "[wire]") {
  Compressor zstd;
  auto bomb = zstd.Decompress(ZstdHeaderClaiming(std::uint64_t{4} << 30), kMaxMessageBody);
  REQUIRE_FALSE(bomb);
  CHECK(bomb.error().message.find("declares 4294967296 bytes") != std::string::npos);

  // A genuine 64 MiB of zeros compresses to a few KiB; it is still refused.
  Bytes zeros(std::size_t{64} << 20);
  Bytes compressed = zstd.Compress(zeros, 1);
  CHECK(compressed.size() < 10000);
  CHECK_FALSE(zstd.Decompress(compressed, kMaxMessageBody));
  MessageAssembler assembler;
  CHECK_FALSE(assembler.Add({RecordType::kIndex, kFlagCompressed, compressed}));

  // Streaming-API frames omit the content size: refused.
  Bytes no_size(ZSTD_compressBound(10));
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::size_t n = ZSTD_compress2(cctx, no_size.data(), no_size.size(), "0123456789", 10);
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  no_size.resize(n);
  auto unknown = zstd.Decompress(no_size, kMaxMessageBody);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("does not declare") != std::string::npos);

  Bytes ok = zstd.Compress(Bytes(100, 5), 3);
  CHECK(zstd.Decompress(ok, 100).value() == Bytes(100, 5));
  ok.push_back(0);
  CHECK_FALSE(zstd.Decompress(ok, 100));  // trailing bytes
}

TEST_CASE("rekey falls due every 2^16 messages per direction", "[wire]") {
  CHECK_FALSE(ShouldRekey(0));
  CHECK_FALSE(ShouldRekey(65535));
  CHECK(ShouldRekey(65536));
  CHECK_FALSE(ShouldRekey(65537));
  CHECK(ShouldRekey(131072));
}

}  // namespace shoal::net::wire
