// RecordSealer / RecordOpener without sockets: caps, corruption and rekey.
#include "net/session/transport.h"

#include <catch2/catch.hpp>

#include "net/wire/frame.h"
#include "net/wire/record_packer.h"

namespace shoal::net {
namespace {

const Bytes kKey(32, 0x42);

CipherState Keyed() { return std::move(CipherState::WithKey(kKey).value()); }

// Seals `records` and returns each frame's body (what FrameReader yields).
std::vector<Bytes> SealAll(RecordSealer& sealer, const std::vector<Bytes>& records) {
  Bytes stream;
  for (const Bytes& record : records) REQUIRE(sealer.Seal(record, stream));
  std::vector<Bytes> bodies;
  wire::FrameReader reader;
  REQUIRE(reader.Feed(stream, [&](ByteSpan body) -> Result<void> {
    bodies.emplace_back(body.begin(), body.end());
    return {};
  }));
  return bodies;
}

}  // namespace

TEST_CASE("sealed records open into the message they carry", "[net][session]") {
  RecordSealer sealer(Keyed());
  RecordOpener opener(Keyed());
  wire::Compressor zstd;
  const Bytes body(200'000, 7);  // four records before compression
  auto frames = SealAll(sealer, wire::PackMessage(wire::RecordType::kClusterConfig, body, zstd));
  REQUIRE(frames.size() == 4);
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    auto pending = opener.Open(frames[i]);
    REQUIRE(pending);
    CHECK_FALSE(pending->message.has_value());
  }
  auto done = opener.Open(frames.back());
  REQUIRE(done);
  REQUIRE(done->message.has_value());
  CHECK(done->message->body == body);
}

TEST_CASE("an uncompressed Response record is decoded without the assembler", "[net][session]") {
  RecordSealer sealer(Keyed());
  RecordOpener opener(Keyed());
  wire::Compressor zstd;
  const Bytes block(1000, 3);  // compressible: the first piece goes compressed
  auto frames = SealAll(sealer, wire::PackResponse(4, wire::ResponseCode::kOk, block, zstd));
  auto compressed = opener.Open(frames.at(0));
  REQUIRE(compressed);
  REQUIRE(compressed->message.has_value());
  CHECK(wire::DecodeResponse(compressed->message->body)->data == block);
  const Bytes raw = wire::EncodeRecord(
      wire::RecordType::kResponse, 0,
      wire::Encode(wire::Response{
          .request_id = 4, .code = wire::ResponseCode::kOk, .offset = 0, .data = block}));
  auto direct = opener.Open(SealAll(sealer, {raw}).at(0));
  REQUIRE(direct);
  REQUIRE(direct->response.has_value());
  CHECK_FALSE(direct->message.has_value());
  CHECK(direct->response->data == block);
}

TEST_CASE("a message claiming more than the cap is refused before it is buffered",
          "[net][session]") {
  constexpr std::size_t kCap = 100'000;
  RecordSealer sealer(Keyed());
  RecordOpener opener(Keyed(), kCap);
  const Bytes piece(wire::kMaxRecordBody, 1);
  std::vector<Bytes> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back(
        wire::EncodeRecord(wire::RecordType::kIndex, wire::kFlagMoreFragments, piece));
  }
  auto frames = SealAll(sealer, records);
  REQUIRE(opener.Open(frames[0]));
  auto over = opener.Open(frames[1]);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kProtocol);
  CHECK(opener.buffered() <= kCap);
  CHECK_FALSE(opener.Open(frames[2]));  // failed for good
}

TEST_CASE("one flipped bit in a sealed frame fails authentication", "[net][session]") {
  RecordSealer sealer(Keyed());
  auto frames = SealAll(sealer, {wire::EncodeRecord(wire::RecordType::kPing, 0, {})});
  for (std::size_t i = 0; i < frames[0].size(); ++i) {
    RecordOpener opener(Keyed());
    Bytes bad = frames[0];
    bad[i] ^= 0x01;
    auto opened = opener.Open(bad);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == ErrorCode::kCrypto);
  }
}

TEST_CASE("sealer and opener rekey together after 2^16 messages", "[net][session]") {
  RecordSealer sealer(Keyed());
  RecordOpener opener(Keyed());
  const Bytes ping = wire::EncodeRecord(wire::RecordType::kPing, 0, {});
  std::vector<Bytes> records(wire::kRekeyInterval + 2, ping);
  auto frames = SealAll(sealer, records);
  for (const Bytes& frame : frames) REQUIRE(opener.Open(frame));
  // Without the rekey, message 2^16 would open under the original key.
  CipherState stale = Keyed();
  stale.SetNonce(wire::kRekeyInterval);
  Bytes plain;
  CHECK_FALSE(stale.DecryptWithAd({}, frames[wire::kRekeyInterval], plain));
}

}  // namespace shoal::net
