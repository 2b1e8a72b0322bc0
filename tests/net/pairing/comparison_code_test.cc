// Comparison codes and commitments: format, the docs/protocol.md vectors,
// and what they depend on.
#include "net/pairing/comparison_code.h"

#include <catch2/catch.hpp>

#include "core/base/bytes.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

PairingNonce NonceFrom(const Bytes& bytes) {
  PairingNonce nonce{};
  std::copy(bytes.begin(), bytes.begin() + nonce.size(), nonce.begin());
  return nonce;
}

PairingNonce Counting(std::uint8_t first) {
  PairingNonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(first + i);
  return nonce;
}

}  // namespace

TEST_CASE("a comparison code is six digits in two groups of three", "[pairing]") {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const Bytes h = shoal::testing::RandomBytes(32, seed);
    const std::string code =
        ComparisonCode(h, NonceFrom(shoal::testing::RandomBytes(32, seed + 100)),
                       NonceFrom(shoal::testing::RandomBytes(32, seed + 200)));
    REQUIRE(code.size() == 7);
    CHECK(code[3] == ' ');
    for (std::size_t i : {0, 1, 2, 4, 5, 6}) CHECK((code[i] >= '0' && code[i] <= '9'));
  }
}

TEST_CASE("the comparison code and commitment of known inputs match docs/protocol.md",
          "[pairing]") {
  Bytes h(32);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(i);
  // Computed independently with Python's hmac.
  CHECK(ComparisonCode(h, Counting(0x20), Counting(0x40)) == "066 714");
  CHECK(HexEncode(CommitToNonce(h, Counting(0x20))) ==
        "f47636615c6f9404df0d9e23b0c8e4ae3fb12184902584e301bd019aedb79809");
}

TEST_CASE("the comparison code depends on the handshake hash and on both nonces", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 5);
  const PairingNonce joiner = Counting(1);
  const PairingNonce inviter = Counting(2);
  const std::string code = ComparisonCode(h, joiner, inviter);
  CHECK(code == ComparisonCode(h, joiner, inviter));
  Bytes other_h = h;
  other_h[31] ^= 1;
  CHECK(code != ComparisonCode(other_h, joiner, inviter));
  CHECK(code != ComparisonCode(h, Counting(3), inviter));
  CHECK(code != ComparisonCode(h, joiner, Counting(3)));
  CHECK(code != ComparisonCode(h, inviter, joiner));  // the order is fixed: joiner first
}

TEST_CASE("a commitment binds the nonce and the session", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 9);
  const PairingCommitment commitment = CommitToNonce(h, Counting(7));
  CHECK(commitment == CommitToNonce(h, Counting(7)));
  CHECK(commitment != CommitToNonce(h, Counting(8)));
  Bytes other_h = h;
  other_h[0] ^= 0x80;
  CHECK(commitment != CommitToNonce(other_h, Counting(7)));
}

TEST_CASE("a comparison code typed back is read with or without its space", "[pairing]") {
  CHECK(ParseComparisonCode("066714") == "066 714");
  CHECK(ParseComparisonCode("066 714") == "066 714");
  CHECK(ParseComparisonCode(" 066-714 ") == "066 714");
  CHECK_FALSE(ParseComparisonCode("06671"));
  CHECK_FALSE(ParseComparisonCode("0667145"));
  CHECK_FALSE(ParseComparisonCode("066 71a"));
  CHECK_FALSE(ParseComparisonCode(""));
}

}  // namespace shoal::net
