#include "net/discovery/announcement.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "net/noise/pairing_psk.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

Announcement RandomAnnouncement(testing::SplitMix64& rng) {
  DeviceId::Key key{};
  for (auto& b : key) b = static_cast<std::uint8_t>(rng.Next());
  key[0] |= 1;  // never the all-zero ID
  Announcement a;
  a.device = DeviceId(key);
  a.instance_id = rng.Next();
  a.listen_port = static_cast<std::uint16_t>(1 + rng.Below(65535));
  if (rng.Below(2) == 1) {
    a.pairing_tag.emplace();
    for (auto& b : *a.pairing_tag) b = static_cast<std::uint8_t>(rng.Next());
  }
  return a;
}

std::string ReasonFor(const Bytes& bytes) {
  auto decoded = DecodeAnnouncement(bytes);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == ErrorCode::kProtocol);
  return decoded.error().message;
}

}  // namespace

TEST_CASE("an announcement encodes to the documented layout", "[discovery]") {
  DeviceId::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0xa0 + i);
  Announcement a{DeviceId(key), 0x0102030405060708, 22000, std::nullopt};
  Bytes bytes = EncodeAnnouncement(a);
  REQUIRE(bytes.size() == kAnnouncementSize);
  CHECK(HexEncode(ByteSpan(bytes).first(6)) == "53484c410100");
  CHECK(ByteSpan(bytes).subspan(6, 32)[0] == 0xa0);
  CHECK(HexEncode(ByteSpan(bytes).subspan(38)) ==
        "0102030405060708"
        "55f0");

  a.pairing_tag = PairingTag{};
  a.pairing_tag->fill(0xee);
  bytes = EncodeAnnouncement(a);
  REQUIRE(bytes.size() == kAnnouncementMaxSize);
  CHECK(bytes[5] == kAnnouncementFlagPairingTag);
  CHECK(HexEncode(ByteSpan(bytes).subspan(48)) == std::string(32, 'e'));
  auto decoded = DecodeAnnouncement(bytes);
  REQUIRE(decoded);
  CHECK(*decoded == a);
}

TEST_CASE("random announcements round-trip through encode and decode", "[discovery]") {
  testing::SplitMix64 rng(0x5eed0001);
  for (int i = 0; i < 1000; ++i) {
    Announcement a = RandomAnnouncement(rng);
    auto decoded = DecodeAnnouncement(EncodeAnnouncement(a));
    REQUIRE(decoded);
    REQUIRE(*decoded == a);
  }
}

TEST_CASE("malformed announcements are refused with the reason", "[discovery]") {
  testing::SplitMix64 rng(7);
  Announcement a = RandomAnnouncement(rng);
  a.pairing_tag.reset();
  const Bytes good = EncodeAnnouncement(a);

  Bytes magic = good;
  magic[0] = 'X';
  CHECK_THAT(ReasonFor(magic), Catch::Contains("wrong magic"));
  Bytes version = good;
  version[4] = 2;
  CHECK_THAT(ReasonFor(version), Catch::Contains("unknown version 2"));
  Bytes flags = good;
  flags[5] = 0x02;
  CHECK_THAT(ReasonFor(flags), Catch::Contains("unknown flags 2"));
  Bytes trailing = good;
  trailing.push_back(0);
  CHECK_THAT(ReasonFor(trailing), Catch::Contains("expected 48 bytes, got 49"));
  Bytes tag_missing = good;
  tag_missing[5] = kAnnouncementFlagPairingTag;
  CHECK_THAT(ReasonFor(tag_missing), Catch::Contains("expected 64 bytes, got 48"));
  Bytes port_zero = good;
  port_zero[46] = port_zero[47] = 0;
  CHECK_THAT(ReasonFor(port_zero), Catch::Contains("listen port 0"));
  Bytes zero_id = good;
  std::fill(zero_id.begin() + 6, zero_id.begin() + 38, 0);
  CHECK_THAT(ReasonFor(zero_id), Catch::Contains("all-zero device ID"));
  CHECK_THAT(ReasonFor({}), Catch::Contains("truncated"));
}

TEST_CASE("every truncation and single-byte corruption is refused or decodes consistently",
          "[discovery]") {
  testing::SplitMix64 rng(0x5eed0002);
  for (int round = 0; round < 8; ++round) {
    Announcement a = RandomAnnouncement(rng);
    if (round < 2)
      a.pairing_tag = round == 0 ? std::nullopt : std::optional<PairingTag>(PairingTag{});
    const Bytes good = EncodeAnnouncement(a);
    for (std::size_t n = 0; n < good.size(); ++n) {
      Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      REQUIRE_FALSE(DecodeAnnouncement(cut));
    }
    for (std::size_t pos = 0; pos < good.size(); ++pos) {
      for (int v = 0; v < 256; ++v) {
        if (v == good[pos]) continue;
        Bytes bad = good;
        bad[pos] = static_cast<std::uint8_t>(v);
        auto decoded = DecodeAnnouncement(bad);
        if (!decoded) continue;
        // Anything accepted is a different, valid packet that encodes back
        // to exactly the bytes received: no field is ignored or repaired.
        REQUIRE_FALSE(*decoded == a);
        REQUIRE(EncodeAnnouncement(*decoded) == bad);
      }
    }
  }
}

TEST_CASE("the pairing tag is HMAC-SHA256 of the label, truncated, and not the psk",
          "[discovery]") {
  Bytes secret(16);
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
  auto tag = DerivePairingTag(secret);
  REQUIRE(tag);
  // python3: hmac.new(bytes(range(16)), b"shoal/pair/tag/v1", "sha256").hexdigest()[:32]
  CHECK(HexEncode(*tag) == "0812fe2e8cdf4b9573a4aa8edb29e483");
  // The psk derived from the same secret is unrelated (another label).
  auto psk = DerivePairingPsk(secret);
  REQUIRE(psk);
  CHECK_FALSE(std::equal(tag->begin(), tag->end(), psk->span().begin()));
  secret[0] ^= 1;
  auto other = DerivePairingTag(secret);
  REQUIRE(other);
  CHECK(*other != *tag);
  auto empty = DerivePairingTag({});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("instance IDs are random per call", "[discovery]") {
  auto a = NewInstanceId();
  auto b = NewInstanceId();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
}

}  // namespace shoal::net
