#include "net/wire/preamble.h"

#include <catch2/catch.hpp>

namespace shoal::net::wire {

TEST_CASE("preamble encodes magic, version and handshake type and parses back", "[wire]") {
  auto bytes = EncodePreamble({kProtocolVersion, HandshakeType::kPairing});
  CHECK(bytes == std::array<std::uint8_t, 8>{'S', 'H', 'O', 'L', 0, 1, 2, 0});
  auto parsed = ParsePreamble(bytes);
  REQUIRE(parsed);
  CHECK(*parsed == Preamble{1, HandshakeType::kPairing});
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
  newer[5] = 2;
  CHECK(message_of(newer).find("version 2, newer than ours (1)") != std::string::npos);
  auto zero = bytes;
  zero[5] = 0;
  CHECK(message_of(zero).find("version 0") != std::string::npos);
  auto type = bytes;
  type[6] = 3;
  CHECK(message_of(type).find("handshake type 3") != std::string::npos);
  auto reserved = bytes;
  reserved[7] = 1;
  CHECK(message_of(reserved).find("reserved") != std::string::npos);
  CHECK(message_of(ByteSpan(bytes).first(7)).find("expected 8 bytes") != std::string::npos);
}

}  // namespace shoal::net::wire
