#include "core/base/base32.h"

#include <catch2/catch.hpp>
#include <random>

namespace shoal {
namespace {

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("base32 matches the RFC 4648 test vectors without padding", "[base][base32]") {
  CHECK(Base32Encode(Str("")) == "");
  CHECK(Base32Encode(Str("f")) == "MY");
  CHECK(Base32Encode(Str("fo")) == "MZXQ");
  CHECK(Base32Encode(Str("foo")) == "MZXW6");
  CHECK(Base32Encode(Str("foob")) == "MZXW6YQ");
  CHECK(Base32Encode(Str("fooba")) == "MZXW6YTB");
  CHECK(Base32Encode(Str("foobar")) == "MZXW6YTBOI");
  CHECK(Base32Decode("MZXW6YTBOI").value() == Str("foobar"));
}

TEST_CASE("base32 round-trips random bytes and has one text form per value", "[base][base32]") {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i) {
    Bytes data(rng() % 64);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    auto back = Base32Decode(Base32Encode(data));
    REQUIRE(back);
    CHECK(*back == data);
  }
  CHECK_FALSE(Base32Decode("MZ"));   // 'Z' leaves non-zero pad bits after "f"
  CHECK_FALSE(Base32Decode("MYA"));  // 3 characters is no whole number of bytes
  CHECK_FALSE(Base32Decode("my"));   // lower case is normalized by callers, not here
  CHECK_FALSE(Base32Decode("M1"));
}

TEST_CASE("Luhn mod 32 check character validates its own text", "[base][base32]") {
  // Validation form: with the check char appended, walking from the right
  // with factors 1,2,1,... sums to 0 mod 32.
  std::mt19937_64 rng(4);
  for (int i = 0; i < 300; ++i) {
    std::string text;
    for (int j = 0; j < 13; ++j) text.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng() % 32]);
    std::string with_check = text + LuhnBase32CheckChar(text);
    int factor = 1;
    int sum = 0;
    for (auto it = with_check.rbegin(); it != with_check.rend(); ++it) {
      int addend = factor * *Base32Value(*it);
      factor = 3 - factor;
      sum += addend / 32 + addend % 32;
    }
    CHECK(sum % 32 == 0);
  }
  CHECK(LuhnBase32CheckChar("") == 'A');
}

TEST_CASE("typed base32 is normalized: case, dashes, spaces and look-alike digits",
          "[base][base32]") {
  CHECK(NormalizeTypedBase32("ab-cd ef\t\n") == "ABCDEF");
  CHECK(NormalizeTypedBase32("018") == "OIB");
  CHECK(NormalizeTypedBase32("a2@9") == "A2@9");  // left for the alphabet check
}

}  // namespace shoal
