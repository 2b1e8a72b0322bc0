#include "net/wire/messages.h"

#include <catch2/catch.hpp>

#include "net/wire/field_codec.h"
#include "tests/net/wire/random_messages.h"
#include "tests/net/wire/reencode.h"

namespace shoal::net::wire {
namespace {

using testing::Outcome;
using testing::SplitMix64;

// One random encoded message of `type`, from `rng`.
Bytes RandomEncoded(RecordType type, SplitMix64& rng) {
  switch (type) {
    case RecordType::kHello:
      return Encode(testing::RandomHello(rng));
    case RecordType::kClusterConfig:
      return Encode(testing::RandomClusterConfig(rng));
    case RecordType::kIndex:
      return Encode(testing::RandomIndex(rng));
    case RecordType::kIndexUpdate:
      return Encode(testing::RandomIndexUpdate(rng));
    case RecordType::kRequest:
      return Encode(testing::RandomRequest(rng));
    case RecordType::kResponse:
      return Encode(testing::RandomResponse(rng));
    case RecordType::kPing:
      return Encode(Ping{});
    case RecordType::kClose:
      return Encode(testing::RandomClose(rng));
    case RecordType::kPairAccept:
      return Encode(testing::RandomPairAccept(rng));
    case RecordType::kPunch:
      return Encode(testing::RandomPunch(rng));
    case RecordType::kPairReveal:
      return Encode(testing::RandomPairReveal(rng));
  }
  return {};
}

constexpr RecordType kAllTypes[] = {
    RecordType::kHello,       RecordType::kClusterConfig, RecordType::kIndex,
    RecordType::kIndexUpdate, RecordType::kRequest,       RecordType::kResponse,
    RecordType::kPing,        RecordType::kClose,         RecordType::kPairAccept,
    RecordType::kPunch,       RecordType::kPairReveal};

template <typename T, typename Gen, typename Dec>
void CheckRoundTrips(Gen generate, Dec decode, int iterations) {
  SplitMix64 rng(0x5eed0000 + static_cast<std::uint64_t>(T::kType));
  for (int i = 0; i < iterations; ++i) {
    T message = generate(rng);
    Result<T> decoded = decode(Encode(message));
    REQUIRE(decoded);
    REQUIRE(*decoded == message);
  }
}

}  // namespace

TEST_CASE("every message round-trips with random contents", "[wire]") {
  CheckRoundTrips<Hello>(testing::RandomHello, DecodeHello, 2000);
  CheckRoundTrips<ClusterConfig>(testing::RandomClusterConfig, DecodeClusterConfig, 2000);
  CheckRoundTrips<Index>(testing::RandomIndex, DecodeIndex, 2000);
  CheckRoundTrips<IndexUpdate>(testing::RandomIndexUpdate, DecodeIndexUpdate, 2000);
  CheckRoundTrips<Request>(testing::RandomRequest, DecodeRequest, 2000);
  CheckRoundTrips<Response>(testing::RandomResponse, DecodeResponse, 2000);
  CheckRoundTrips<Close>(testing::RandomClose, DecodeClose, 2000);
  CheckRoundTrips<PairAccept>(testing::RandomPairAccept, DecodePairAccept, 2000);
  CheckRoundTrips<Punch>(testing::RandomPunch, DecodePunch, 2000);
  CheckRoundTrips<PairReveal>(testing::RandomPairReveal, DecodePairReveal, 2000);
  CHECK(DecodePing(Encode(Ping{})));
}

TEST_CASE("every truncation of every encoded message fails cleanly", "[wire]") {
  SplitMix64 rng(42);
  for (RecordType type : kAllTypes) {
    for (int i = 0; i < 40; ++i) {
      Bytes encoded = RandomEncoded(type, rng);
      for (std::size_t len = 0; len < encoded.size(); ++len) {
        ByteSpan prefix(encoded.data(), len);
        INFO(RecordTypeName(type) << " truncated to " << len << " of " << encoded.size());
        // A Response's data is "the rest", so a shorter one is still valid,
        // as is a Ping; everything else must refuse a proper prefix.
        Outcome outcome = testing::DecodeReencode(type, prefix);
        if (type == RecordType::kResponse && len >= kResponseHeaderSize) {
          CHECK(outcome == Outcome::kConsistent);
        } else {
          REQUIRE(outcome == Outcome::kRejected);
        }
      }
      CHECK(testing::DecodeReencode(type, encoded) == Outcome::kConsistent);
      encoded.push_back(0);
      if (type != RecordType::kResponse) {
        CHECK(testing::DecodeReencode(type, encoded) == Outcome::kRejected);  // trailing byte
      }
    }
  }
}

TEST_CASE("random byte flips fail or decode to something that re-encodes consistently", "[wire]") {
  SplitMix64 rng(7);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    RecordType type = kAllTypes[rng.Below(std::size(kAllTypes))];
    Bytes encoded = RandomEncoded(type, rng);
    if (encoded.empty()) continue;
    for (std::uint64_t flips = 1 + rng.Below(3); flips > 0; --flips) {
      encoded[rng.Below(encoded.size())] ^= static_cast<std::uint8_t>(1 + rng.Below(255));
    }
    Outcome outcome = testing::DecodeReencode(type, encoded);
    REQUIRE(outcome != Outcome::kInconsistent);
    decoded += outcome == Outcome::kConsistent;
  }
  CHECK(decoded > 0);  // some flips land in free-form fields
}

TEST_CASE("counts claiming billions of entries are refused before allocating", "[wire]") {
  Bytes index;
  AppendString(index, "f");
  AppendVarint(index, std::uint64_t{4} << 30);  // 4 Gi files, no bytes behind them
  auto batch = DecodeIndex(index);
  REQUIRE_FALSE(batch);
  CHECK(batch.error().code == ErrorCode::kProtocol);
  CHECK(batch.error().message.find("exceeds the data") != std::string::npos);

  Bytes config;
  AppendVarint(config, std::uint64_t{1} << 62);
  CHECK_FALSE(DecodeClusterConfig(config));
}

TEST_CASE("an Index carries at most kMaxIndexEntries entries", "[wire][hostile]") {
  Index index;
  index.folder = "f";
  index.files.resize(kMaxIndexEntries);
  for (FileInfo& f : index.files) f.name = "a";
  auto at_cap = DecodeIndex(Encode(index));
  REQUIRE(at_cap);
  CHECK(at_cap->files.size() == kMaxIndexEntries);
  index.files.emplace_back().name = "a";
  auto over = DecodeIndexUpdate(Encode(IndexUpdate{index}));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kProtocol);
  CHECK_THAT(over.error().message, Catch::Contains("65537 entries"));
}

TEST_CASE("an entry carries at most kMaxFileBlocks blocks", "[wire][hostile]") {
  Index index;
  index.folder = "f";
  FileInfo& f = index.files.emplace_back();
  f.name = "a";
  f.blocks.assign(kMaxFileBlocks, BlockRef{1, {}});
  auto at_cap = DecodeIndex(Encode(index));
  REQUIRE(at_cap);
  CHECK(at_cap->files.at(0).blocks.size() == kMaxFileBlocks);
  index.files[0].blocks.emplace_back(BlockRef{1, {}});
  auto over = DecodeIndex(Encode(index));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kProtocol);
  CHECK_THAT(over.error().message, Catch::Contains("blocks, more than the"));
}

TEST_CASE("a ClusterConfig carries at most kMaxClusterFolders folders of kMaxFolderDevices devices",
          "[wire][hostile]") {
  ClusterConfig config;
  config.folders.resize(kMaxClusterFolders);
  for (std::size_t i = 0; i < config.folders.size(); ++i) {
    config.folders[i].id = std::to_string(i);
    config.folders[i].devices.resize(kMaxFolderDevices);
  }
  REQUIRE(DecodeClusterConfig(Encode(config)));
  config.folders[7].devices.emplace_back();
  auto many_devices = DecodeClusterConfig(Encode(config));
  REQUIRE_FALSE(many_devices);
  CHECK_THAT(many_devices.error().message, Catch::Contains("65 devices"));
  config.folders[7].devices.pop_back();
  config.folders.emplace_back();
  auto many_folders = DecodeClusterConfig(Encode(config));
  REQUIRE_FALSE(many_folders);
  CHECK_THAT(many_folders.error().message, Catch::Contains("4097 folders"));
}

TEST_CASE("decoders enforce length limits, UTF-8 and field ranges", "[wire]") {
  Hello hello{std::string(kMaxDeviceNameLen + 1, 'x'), "shoal", "0.1", 1, {}};
  auto too_long = DecodeHello(Encode(hello));
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message.find("device name") != std::string::npos);

  hello.device_name = "bad \xff utf-8";
  CHECK_FALSE(DecodeHello(Encode(hello)));

  Request request{1, "f", "a/b", 0, 0, {}};  // size 0
  CHECK_FALSE(DecodeRequest(Encode(request)));
  request.size = kMaxBlockSize + 1;
  CHECK_FALSE(DecodeRequest(Encode(request)));

  Response error{9, ResponseCode::kBusy, 0, {1, 2, 3}};  // an error with data
  CHECK_FALSE(DecodeResponse(Encode(error)));
  Response past_end{9, ResponseCode::kOk, kMaxBlockSize, {1}};
  CHECK_FALSE(DecodeResponse(Encode(past_end)));
  Bytes unknown_code = Encode(Response{});
  unknown_code[4] = 5;
  CHECK_FALSE(DecodeResponse(unknown_code));

  CHECK_FALSE(DecodePing(Bytes{0}));
}

TEST_CASE("a block-list delta round-trips, and one keeping too many blocks is refused",
          "[wire][index]") {
  Index index;
  index.folder = "f";
  FileInfo f;
  f.name = "big.iso";
  f.version.Set(3, 9);
  f.blocks = {BlockRef{100, {}}};
  f.blocks_delta = BlockListDelta{"old name.iso", f.version, 2000, 1500};
  f.blocks_delta->base.Set(4, 2);
  index.files.push_back(f);
  auto decoded = DecodeIndex(Encode(index));
  REQUIRE(decoded);
  CHECK(decoded->files == index.files);

  index.files[0].blocks_delta->keep_suffix = kMaxFileBlocks + 1;
  auto refused = DecodeIndex(Encode(index));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("delta keeps more blocks") != std::string::npos);
  // Without the flag the same bytes are a plain entry: no delta appears.
  index.files[0].blocks_delta.reset();
  auto plain = DecodeIndex(Encode(index));
  REQUIRE(plain);
  CHECK_FALSE(plain->files[0].blocks_delta);
}

TEST_CASE("names are passed through without path validation and inodes are never sent", "[wire]") {
  Index index;
  index.folder = "docs";
  FileInfo f;
  f.name = "../../etc/passwd";  // the engine, not the codec, rejects this
  f.inode = 1234;
  index.files.push_back(f);
  auto decoded = DecodeIndex(Encode(index));
  REQUIRE(decoded);
  CHECK(decoded->files[0].name == "../../etc/passwd");
  CHECK(decoded->files[0].inode == 0);
}

}  // namespace shoal::net::wire

namespace shoal::net::wire {

TEST_CASE("an index entry's size bound is never below its encoding", "[wire][index]") {
  SplitMix64 rng(0x1dec5);
  for (int i = 0; i < 2000; ++i) {
    Index one;
    one.folder = "f";
    Bytes empty = Encode(one);
    one.files.push_back(testing::RandomFileInfo(rng));
    // Worst cases of each field the random generator may not reach.
    if (i % 10 == 0) one.files[0].blocks.assign(100, BlockRef{kMaxBlockSize, {}});
    if (i % 10 == 1) {
      one.files[0].blocks_delta =
          BlockListDelta{std::string(kMaxNameLen, 'n'), {}, kMaxFileBlocks, kMaxFileBlocks};
    }
    Bytes full = Encode(one);
    INFO("entry " << i);
    CHECK(full.size() - empty.size() <= IndexEntrySizeBound(one.files[0]));
  }
}

TEST_CASE("Hello carries its address list only when both peers offer it", "[wire]") {
  Hello hello{"laptop", "shoal", "0.1.0", 7, {"relay://198.51.100.10:50001", "rendezvous://X"}};
  auto with = DecodeHello(Encode(hello));
  REQUIRE(with.has_value());
  CHECK(*with == hello);
  Bytes plain = EncodeHelloWithoutAddresses(hello);
  auto without = DecodeHelloWithoutAddresses(plain);
  REQUIRE(without.has_value());
  CHECK(without->addresses.empty());
  CHECK(without->device_name == "laptop");
  // Each form is refused by the other reader: no optional fields.
  CHECK_FALSE(DecodeHello(plain).has_value());
  CHECK_FALSE(DecodeHelloWithoutAddresses(Encode(hello)).has_value());
  hello.addresses.assign(kMaxHelloAddresses + 1, "relay://198.51.100.10:1");
  CHECK_FALSE(DecodeHello(Encode(hello)).has_value());
}

TEST_CASE("Punch refuses unknown stages, endpoints in a Fail and too many endpoints", "[wire]") {
  Punch offer{PunchStage::kOffer, 7, {"198.51.100.2:22000"}};
  auto decoded = DecodePunch(Encode(offer));
  REQUIRE(decoded);
  CHECK(*decoded == offer);

  Bytes unknown_stage = Encode(offer);
  unknown_stage[0] = 3;
  auto stage = DecodePunch(unknown_stage);
  REQUIRE_FALSE(stage);
  CHECK(stage.error().message.find("unknown stage") != std::string::npos);

  Punch fail{PunchStage::kFail, 7, {"198.51.100.2:22000"}};
  auto with_endpoint = DecodePunch(Encode(fail));
  REQUIRE_FALSE(with_endpoint);
  CHECK(with_endpoint.error().message.find("no endpoints") != std::string::npos);

  offer.endpoints.assign(kMaxPunchEndpoints + 1, "198.51.100.2:22000");
  auto too_many = DecodePunch(Encode(offer));
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().message.find("more than 4 endpoints") != std::string::npos);

  offer.endpoints = {std::string(kMaxAddressLen + 1, '1')};
  CHECK_FALSE(DecodePunch(Encode(offer)));
}

}  // namespace shoal::net::wire
