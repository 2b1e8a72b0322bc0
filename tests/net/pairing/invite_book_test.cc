// InviteBook: one active invite, 15-minute expiry by the injected clock,
// single use.
#include "net/pairing/invite_book.h"

#include <catch2/catch.hpp>

#include "net/noise/pairing_psk.h"
#include "net/pairing/invite_code.h"
#include "tests/support/fake_clock.h"

namespace shoal::net {
namespace {

Bytes View(const SecretBytes& secret) { return Bytes(secret.view().begin(), secret.view().end()); }

// The psk a device that typed `code` would derive.
Bytes PskOf(const std::string& code) {
  auto parsed = ParseInviteCode(code);
  REQUIRE(parsed);
  auto psk = DerivePairingPsk(parsed->secret.view());
  REQUIRE(psk);
  return View(*psk);
}

}  // namespace

TEST_CASE("a new invite yields the psk and tag of the code it prints", "[pairing]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  CHECK_FALSE(book.HasActive());
  CHECK_FALSE(book.ActivePsk().has_value());
  CHECK_FALSE(book.ActiveTag().has_value());

  auto created = book.Create();
  REQUIRE(created);
  CHECK(created->expires_unix_nanos == clock.NowUnixNanos() + 15LL * 60 * 1'000'000'000);
  auto psk = book.ActivePsk();
  REQUIRE(psk.has_value());
  CHECK(View(*psk) == PskOf(created->code));
  auto parsed = ParseInviteCode(created->code);
  REQUIRE(parsed);
  CHECK(book.ActiveTag() == DerivePairingTag(parsed->secret.view()).value());
}

TEST_CASE("an invite expires 15 minutes after it was created", "[pairing]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  REQUIRE(book.Create());
  clock.AdvanceSeconds(15 * 60 - 1);
  CHECK(book.ActivePsk().has_value());
  CHECK(book.ActiveTag().has_value());
  clock.AdvanceSeconds(1);
  CHECK_FALSE(book.ActivePsk().has_value());
  CHECK_FALSE(book.ActiveTag().has_value());
  CHECK_FALSE(book.HasActive());
  CHECK_FALSE(book.Consume());  // a pairing that completes after expiry is not stored
}

TEST_CASE("a consumed invite yields nothing more", "[pairing]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  REQUIRE(book.Create());
  REQUIRE(book.ActivePsk().has_value());
  CHECK(book.Consume());
  CHECK_FALSE(book.ActivePsk().has_value());
  CHECK_FALSE(book.ActiveTag().has_value());
  CHECK_FALSE(book.Consume());  // only once
  CHECK_FALSE(book.HasActive());
}

TEST_CASE("a new invite replaces the previous one", "[pairing]") {
  shoal::testing::FakeClock clock;
  InviteBook book(clock);
  auto first = book.Create();
  REQUIRE(first);
  clock.AdvanceSeconds(10 * 60);
  auto second = book.Create();
  REQUIRE(second);
  CHECK(first->code != second->code);
  auto psk = book.ActivePsk();
  REQUIRE(psk.has_value());
  CHECK(View(*psk) == PskOf(second->code));
  CHECK(View(*psk) != PskOf(first->code));
  // The replacement has its own 15 minutes.
  clock.AdvanceSeconds(10 * 60);
  CHECK(book.ActivePsk().has_value());
}

}  // namespace shoal::net
