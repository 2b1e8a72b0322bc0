// ComparisonExchange: the commit-then-reveal exchange of nonces that makes
// the comparison code impossible to steer (docs/protocol.md "Comparison
// code"): both sides agree, a joiner that changes its nonce after
// committing is caught, and steps out of order fail.
#include "net/pairing/comparison_exchange.h"

#include <catch2/catch.hpp>

#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

using Side = ComparisonExchange::Side;

PairingNonce Filled(std::uint8_t value) {
  PairingNonce nonce{};
  nonce.fill(value);
  return nonce;
}

// Runs the three messages between `joiner` and `inviter`; returns whether
// the inviter accepted the opening.
bool Run(ComparisonExchange& joiner, ComparisonExchange& inviter) {
  auto inviter_nonce = inviter.OnCommitment(joiner.Commitment());
  REQUIRE(inviter_nonce);
  auto joiner_nonce = joiner.OnInviterNonce(*inviter_nonce);
  REQUIRE(joiner_nonce);
  return inviter.OnJoinerNonce(*joiner_nonce).has_value();
}

}  // namespace

TEST_CASE("the joiner and the inviter agree on the comparison code", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 1);
  auto joiner = ComparisonExchange::Start(Side::kJoiner, h);
  auto inviter = ComparisonExchange::Start(Side::kInviter, h);
  REQUIRE(joiner);
  REQUIRE(inviter);
  CHECK_FALSE(joiner->complete());
  REQUIRE(Run(*joiner, *inviter));
  CHECK(joiner->complete());
  CHECK(inviter->complete());
  CHECK(joiner->code() == inviter->code());
  CHECK(joiner->code().size() == 7);
}

TEST_CASE("fresh nonces give a fresh comparison code for the same handshake hash", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 2);
  std::string codes[2];
  for (std::string& code : codes) {
    auto joiner = ComparisonExchange::Start(Side::kJoiner, h);
    auto inviter = ComparisonExchange::Start(Side::kInviter, h);
    REQUIRE(Run(*joiner, *inviter));
    code = joiner->code();
  }
  CHECK(codes[0] != codes[1]);  // 1 in 10^6 to collide
}

TEST_CASE("a joiner that changes its nonce after committing is caught and pairing fails",
          "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 3);
  auto honest_start = ComparisonExchange::WithNonce(Side::kJoiner, h, Filled(1));
  auto inviter = ComparisonExchange::WithNonce(Side::kInviter, h, Filled(2));
  REQUIRE(inviter.OnCommitment(honest_start.Commitment()));
  // Having seen the inviter's nonce, a cheater would like to pick another
  // nonce of its own (one that gives the code it wants).
  for (std::uint8_t changed : {0, 3, 255}) {
    auto opened = ComparisonExchange::WithNonce(Side::kInviter, h, Filled(2));
    REQUIRE(opened.OnCommitment(honest_start.Commitment()));
    auto refused = opened.OnJoinerNonce(Filled(changed));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kUnauthorized);
    CHECK_THAT(refused.error().message, Catch::Contains("does not match its commitment"));
    CHECK_FALSE(opened.complete());
    CHECK(opened.code().empty());
  }
  // A single flipped bit is caught as well.
  PairingNonce flipped = Filled(1);
  flipped[31] ^= 1;
  CHECK_FALSE(inviter.OnJoinerNonce(flipped));
  CHECK_FALSE(inviter.complete());
}

TEST_CASE("a commitment from another session does not open in this one", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 4);
  const Bytes other_h = shoal::testing::RandomBytes(32, 5);
  auto joiner_elsewhere = ComparisonExchange::WithNonce(Side::kJoiner, other_h, Filled(9));
  auto inviter = ComparisonExchange::WithNonce(Side::kInviter, h, Filled(2));
  REQUIRE(inviter.OnCommitment(joiner_elsewhere.Commitment()));
  auto refused = inviter.OnJoinerNonce(Filled(9));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnauthorized);
}

TEST_CASE("comparison exchange steps out of order fail", "[pairing]") {
  const Bytes h = shoal::testing::RandomBytes(32, 6);
  auto inviter = ComparisonExchange::WithNonce(Side::kInviter, h, Filled(2));
  auto joiner = ComparisonExchange::WithNonce(Side::kJoiner, h, Filled(1));
  SECTION("the inviter gets a nonce before any commitment") {
    auto early = inviter.OnJoinerNonce(Filled(1));
    REQUIRE_FALSE(early);
    CHECK(early.error().code == ErrorCode::kProtocol);
  }
  SECTION("the inviter gets two commitments") {
    REQUIRE(inviter.OnCommitment(joiner.Commitment()));
    auto again = inviter.OnCommitment(joiner.Commitment());
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::kProtocol);
  }
  SECTION("the joiner gets a commitment or a joiner's nonce") {
    CHECK_FALSE(joiner.OnCommitment(joiner.Commitment()));
    CHECK_FALSE(joiner.OnJoinerNonce(Filled(1)));
  }
  SECTION("the joiner gets the inviter's nonce twice") {
    REQUIRE(joiner.OnInviterNonce(Filled(2)));
    const std::string code = joiner.code();
    CHECK_FALSE(joiner.OnInviterNonce(Filled(3)));
    CHECK(joiner.code() == code);  // the first one stands
  }
  SECTION("the inviter gets the joiner's nonce twice") {
    REQUIRE(inviter.OnCommitment(joiner.Commitment()));
    REQUIRE(inviter.OnJoinerNonce(Filled(1)));
    CHECK_FALSE(inviter.OnJoinerNonce(Filled(1)));
  }
}

TEST_CASE("with known nonces both sides compute the docs/protocol.md code", "[pairing]") {
  Bytes h(32);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(i);
  PairingNonce joiner_nonce{};
  PairingNonce inviter_nonce{};
  for (std::size_t i = 0; i < 32; ++i) {
    joiner_nonce[i] = static_cast<std::uint8_t>(0x20 + i);
    inviter_nonce[i] = static_cast<std::uint8_t>(0x40 + i);
  }
  auto joiner = ComparisonExchange::WithNonce(Side::kJoiner, h, joiner_nonce);
  auto inviter = ComparisonExchange::WithNonce(Side::kInviter, h, inviter_nonce);
  REQUIRE(Run(joiner, inviter));
  CHECK(joiner.code() == "066 714");
  CHECK(inviter.code() == "066 714");
}

}  // namespace shoal::net
