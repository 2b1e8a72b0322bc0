// Comparison codes: format and dependence on the handshake hash.
#include "net/pairing/comparison_code.h"

#include <catch2/catch.hpp>

#include "tests/support/test_bytes.h"

namespace shoal::net {

TEST_CASE("a comparison code is six digits in two groups of three", "[pairing]") {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const std::string code = ComparisonCode(shoal::testing::RandomBytes(32, seed));
    REQUIRE(code.size() == 7);
    CHECK(code[3] == ' ');
    for (std::size_t i : {0, 1, 2, 4, 5, 6}) CHECK((code[i] >= '0' && code[i] <= '9'));
  }
}

TEST_CASE("the comparison code of a known hash matches docs/protocol.md", "[pairing]") {
  Bytes h(32);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(i);
  CHECK(ComparisonCode(h) == "344 547");  // computed independently with Python's hmac
}

TEST_CASE("the comparison code is a function of the handshake hash alone", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 5);
  CHECK(ComparisonCode(h) == ComparisonCode(h));
  Bytes other = h;
  other[31] ^= 1;
  CHECK(ComparisonCode(h) != ComparisonCode(other));
}

}  // namespace shoal::net
