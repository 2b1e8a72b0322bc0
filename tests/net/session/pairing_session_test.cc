// Pairing sessions over real loopback TCP (docs/protocol.md "Pairing"):
// XXpsk3 with the invite's psk, PairAccept both ways, OnPaired with the same
// comparison code, then a normal close; and every way pairing is refused.
#include <catch2/catch.hpp>

#include "net/noise/pairing_psk.h"
#include "net/pairing/invite_book.h"
#include "net/pairing/invite_code.h"
#include "net/session/session.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/fake_clock.h"

namespace shoal::net {
namespace {

using testing::SessionPair;
using testing::TestOptions;

// The device that typed `code`.
SessionOptions Redeeming(const std::string& code) {
  SessionOptions options = TestOptions("alpha");
  options.handshake = wire::HandshakeType::kPairing;
  options.pairing_psk = [code]() -> std::optional<SecretBytes> {
    auto parsed = ParseInviteCode(code);
    if (!parsed) return std::nullopt;
    auto psk = DerivePairingPsk(parsed->secret.view());
    if (!psk) return std::nullopt;
    return std::move(*psk);
  };
  return options;
}

// The inviting device: its psk comes from `book`.
SessionOptions Inviting(InviteBook& book) {
  SessionOptions options = TestOptions("beta");
  options.pairing_psk = [&book] { return book.ActivePsk(); };
  return options;
}

// Pairing never consults the paired-devices table: refuse everyone there.
const Authorize kNobody = [](const DeviceId&) { return false; };

// The owner's side of a completed pairing: consume the invite.
void ConsumeOnPaired(SessionPair& pair, InviteBook& book) {
  pair.responder_events.on_paired = [&book] { CHECK(book.Consume()); };
}

std::string AnotherCode() { return FormatInviteCode(NewInviteSecret().value().view()); }

void CheckRefusedNoInvite(SessionPair& pair) {
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.responder_events.end->end == SessionEnd::kUnauthorized);
  CHECK_THAT(pair.responder_events.end->detail, Catch::Contains("no active invite"));
  CHECK(pair.initiator_events.end->end == SessionEnd::kUnauthorized);
  CHECK_THAT(pair.initiator_events.end->detail, Catch::Contains("no active invite"));
  CHECK_FALSE(pair.initiator_events.paired.has_value());
  CHECK_FALSE(pair.responder_events.paired.has_value());
}

}  // namespace

TEST_CASE("two devices pair with the right invite code and agree on a comparison code",
          "[pairing][net][session]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  auto invite = book.Create();
  REQUIRE(invite);
  SessionPair pair;
  ConsumeOnPaired(pair, book);
  pair.initiator_events.on_paired = [&pair] {
    // A pairing session carries nothing else.
    CHECK_FALSE(pair.initiator->Send(wire::ClusterConfig{}));
  };
  pair.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
  REQUIRE(pair.RunUntilEnded());

  const auto& initiator = pair.initiator_events;
  const auto& responder = pair.responder_events;
  REQUIRE(initiator.paired.has_value());
  REQUIRE(responder.paired.has_value());
  CHECK(initiator.paired->peer == pair.responder_identity.device_id());
  CHECK(responder.paired->peer == pair.initiator_identity.device_id());
  CHECK(initiator.paired->accept.device_name == "beta");
  CHECK(responder.paired->accept.device_name == "alpha");
  CHECK(initiator.paired->comparison_code == responder.paired->comparison_code);
  CHECK(initiator.paired->comparison_code.size() == 7);
  CHECK(initiator.end->end == SessionEnd::kLocalClose);
  CHECK(responder.end->end == SessionEnd::kLocalClose);
  CHECK_FALSE(initiator.hello.has_value());  // never OnEstablished
  CHECK_FALSE(responder.hello.has_value());
  CHECK(initiator.log == std::vector<std::string>{"PairAccept"});
  CHECK(responder.log == std::vector<std::string>{"PairAccept"});
  CHECK_FALSE(book.HasActive());  // single use
}

TEST_CASE("two pairings of the same devices give different comparison codes",
          "[pairing][net][session]") {
  std::string codes[2];
  for (std::string& code : codes) {
    shoal::testing::FakeClock clock;
    InviteBook book(clock);
    auto invite = book.Create();
    REQUIRE(invite);
    SessionPair pair;
    pair.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
    REQUIRE(pair.RunUntilEnded());
    REQUIRE(pair.initiator_events.paired.has_value());
    code = pair.initiator_events.paired->comparison_code;
  }
  CHECK(codes[0] != codes[1]);  // fresh ephemeral keys: 1 in 10^6 to collide
}

TEST_CASE("a wrong invite code fails the handshake and leaves the invite usable",
          "[pairing][net][session]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  auto invite = book.Create();
  REQUIRE(invite);
  {
    SessionPair pair;
    ConsumeOnPaired(pair, book);
    pair.Start(Redeeming(AnotherCode()), Inviting(book), kNobody, kNobody);
    REQUIRE(pair.RunUntilEnded());
    CHECK(pair.responder_events.end->end == SessionEnd::kUnauthorized);
    CHECK_THAT(pair.responder_events.end->detail, Catch::Contains("wrong invite code"));
    CHECK(pair.initiator_events.end->end == SessionEnd::kTruncated);
    CHECK_THAT(pair.initiator_events.end->detail, Catch::Contains("wrong invite code"));
    CHECK_FALSE(pair.initiator_events.paired.has_value());
    CHECK_FALSE(pair.responder_events.paired.has_value());
    CHECK(pair.responder_events.log.empty());
    CHECK(pair.initiator_events.log.empty());
  }
  CHECK(book.HasActive());
  SessionPair retry;
  ConsumeOnPaired(retry, book);
  retry.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
  REQUIRE(retry.RunUntilEnded());
  CHECK(retry.initiator_events.paired.has_value());
  CHECK(retry.responder_events.paired.has_value());
  CHECK_FALSE(book.HasActive());
}

TEST_CASE("an expired invite is refused before the handshake", "[pairing][net][session]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  auto invite = book.Create();
  REQUIRE(invite);
  clock.AdvanceSeconds(15 * 60);
  SessionPair pair;
  pair.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
  CheckRefusedNoInvite(pair);
}

TEST_CASE("a used invite is refused", "[pairing][net][session]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  auto invite = book.Create();
  REQUIRE(invite);
  {
    SessionPair first;
    ConsumeOnPaired(first, book);
    first.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
    REQUIRE(first.RunUntilEnded());
    REQUIRE(first.responder_events.paired.has_value());
  }
  SessionPair replay;
  replay.Start(Redeeming(invite->code), Inviting(book), kNobody, kNobody);
  CheckRefusedNoInvite(replay);
}

TEST_CASE("a responder without any invite refuses pairing", "[pairing][net][session]") {
  SessionPair pair;
  pair.Start(Redeeming(AnotherCode()), TestOptions("beta"), kNobody, kNobody);
  CheckRefusedNoInvite(pair);
}

TEST_CASE("a paired session still works with a responder that has an invite",
          "[pairing][net][session]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  REQUIRE(book.Create());
  int asked = 0;
  SessionOptions responder = Inviting(book);
  responder.pairing_psk = [&] {
    ++asked;
    return book.ActivePsk();
  };
  SessionPair pair;
  pair.Start(TestOptions("alpha"), responder);
  REQUIRE(pair.RunUntilEstablished());
  CHECK(pair.initiator_events.hello->device_name == "beta");
  CHECK(pair.responder_events.hello->device_name == "alpha");
  CHECK(asked == 0);
  CHECK(book.HasActive());
  CHECK_FALSE(pair.initiator_events.paired.has_value());
  pair.initiator->Close();
  REQUIRE(pair.RunUntilEnded());
  CHECK(pair.responder_events.end->end == SessionEnd::kClosedByPeer);
}

}  // namespace shoal::net
