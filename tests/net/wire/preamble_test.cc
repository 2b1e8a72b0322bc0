#include "net/wire/preamble.h"

#include <catch2/catch.hpp>

namespace shoal::net::wire {

TEST_CASE("preamble encodes magic, version, handshake type and cipher offer and parses back",
          "[wire]") {
  auto bytes =
      EncodePreamble({kProtocolVersion, HandshakeType::kPairing, kOfferChaChaPoly | kOfferAesGcm});
  CHECK(bytes == std::array<std::uint8_t, 8>{'S', 'H', 'O', 'L', 0, 2, 2, 3});
  auto parsed = ParsePreamble(bytes);
  REQUIRE(parsed);
  CHECK(*parsed == Preamble{2, HandshakeType::kPairing, kOfferChaChaPoly | kOfferAesGcm});

  // Unknown offer bits are carried (they are in the prologue) but mean nothing.
  bytes[7] = 0x81;
  parsed = ParsePreamble(bytes);
  REQUIRE(parsed);
  CHECK(parsed->ciphers == 0x81);
}

TEST_CASE("a version 1 preamble has a zero byte 7 and means ChaChaPoly", "[wire]") {
  auto bytes = EncodePreamble({1, HandshakeType::kPaired, kOfferChaChaPoly | kOfferAesGcm});
  CHECK(bytes == std::array<std::uint8_t, 8>{'S', 'H', 'O', 'L', 0, 1, 1, 0});
  auto parsed = ParsePreamble(bytes);
  REQUIRE(parsed);
  CHECK(*parsed == Preamble{1, HandshakeType::kPaired, kOfferChaChaPoly});
}

TEST_CASE("preamble errors say what is wrong", "[wire]") {
  auto bytes = EncodePreamble({});
  auto message_of = [](ByteSpan b) {
    auto parsed = ParsePreamble(b);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::kProtocol);
    return parsed.error().message;
  };
  auto http = bytes;
  std::copy_n("GET ", 4, http.begin());
  CHECK(message_of(http).find("not a Shoal peer") != std::string::npos);
  auto newer = bytes;
  newer[5] = 3;
  CHECK(message_of(newer).find("version 3, newer than ours (2)") != std::string::npos);
  auto zero = bytes;
  zero[5] = 0;
  CHECK(message_of(zero).find("version 0") != std::string::npos);
  auto type = bytes;
  type[6] = 3;
  CHECK(message_of(type).find("handshake type 3") != std::string::npos);
  auto reserved = bytes;
  reserved[5] = 1;
  reserved[7] = 1;
  CHECK(message_of(reserved).find("reserved") != std::string::npos);
  auto no_chacha = bytes;
  no_chacha[7] = kOfferAesGcm;
  CHECK(message_of(no_chacha).find("lacks ChaChaPoly") != std::string::npos);
  CHECK(message_of(ByteSpan(bytes).first(7)).find("expected 8 bytes") != std::string::npos);
}

}  // namespace shoal::net::wire
