// Invite codes: format, round trip of random secrets, and that every single
// mistyped character is caught and blamed on the right group.
#include "net/pairing/invite_code.h"

#include <catch2/catch.hpp>
#include <cctype>

#include "core/base/base32.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

Bytes View(const SecretBytes& secret) { return Bytes(secret.view().begin(), secret.view().end()); }

Bytes SecretFromSeed(std::uint64_t seed) { return shoal::testing::RandomBytes(16, seed); }

}  // namespace

TEST_CASE("an invite code is 4 groups of 8 base32 characters", "[pairing]") {
  const Bytes secret(16, 0);
  const std::string code = FormatInviteCode(secret);
  CHECK(code.size() == 35);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i % 9 == 8) {
      CHECK(code[i] == '-');
    } else {
      CHECK(std::string_view(kAlphabet).find(code[i]) != std::string_view::npos);
    }
  }
  // Version byte 1 then zeros: base32 "AE" then "A"s, each group with its check char.
  CHECK(code == "AEAAAAA4-AAAAAAAA-AAAAAAAA-AAAAAAAA");
}

TEST_CASE("the invite code of a known secret matches docs/protocol.md", "[pairing]") {
  Bytes secret(16);
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
  // Computed independently (Python: base64.b32encode and a textbook Luhn mod 32).
  CHECK(FormatInviteCode(secret) == "AEAACAQX-DAQCQMBI-YIBEFAWK-DANBYHQG");
}

TEST_CASE("a new invite secret is 16 random bytes", "[pairing]") {
  auto a = NewInviteSecret();
  auto b = NewInviteSecret();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == kInviteSecretSize);
  CHECK(View(*a) != View(*b));
}

TEST_CASE("random invite secrets round-trip through the text form", "[pairing]") {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    const Bytes secret = SecretFromSeed(seed);
    const std::string code = FormatInviteCode(secret);
    auto parsed = ParseInviteCode(code);
    REQUIRE(parsed);
    CHECK(View(parsed->secret) == secret);
    CHECK_FALSE(parsed->address.has_value());
  }
}

TEST_CASE("invite codes parse without dashes, in any case, with spaces", "[pairing]") {
  const Bytes secret = SecretFromSeed(7);
  const std::string code = FormatInviteCode(secret);
  std::string bare, lower, spaced;
  for (char c : code) {
    if (c == '-') {
      spaced.push_back(' ');
      continue;
    }
    bare.push_back(c);
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    spaced.push_back(c);
  }
  for (const std::string& text : {bare, lower, spaced, " " + code + "\n"}) {
    auto parsed = ParseInviteCode(text);
    REQUIRE(parsed);
    CHECK(View(parsed->secret) == secret);
  }
}

TEST_CASE("an address suffix is returned apart from the secret", "[pairing]") {
  const Bytes secret = SecretFromSeed(8);
  const std::string code = FormatInviteCode(secret);
  auto parsed = ParseInviteCode(code + "@192.168.1.20:22000");
  REQUIRE(parsed);
  CHECK(View(parsed->secret) == secret);
  CHECK(parsed->address == "192.168.1.20:22000");
  auto v6 = ParseInviteCode(code + "@[fe80::1]:1");
  REQUIRE(v6);
  CHECK(v6->address == "[fe80::1]:1");
  for (const char* bad : {"@host", "@:22000", "@host:0", "@host:65536", "@host:22x", "@host:"}) {
    auto refused = ParseInviteCode(code + bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("every single-character substitution is rejected and names its group", "[pairing]") {
  shoal::testing::SplitMix64 rng(2026);
  for (int round = 0; round < 20; ++round) {
    const std::string code = FormatInviteCode(SecretFromSeed(rng.Next()));
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (code[i] == '-') continue;
      const std::size_t group = i / 9 + 1;
      for (char c : std::string_view(kAlphabet)) {
        if (c == code[i]) continue;
        std::string typo = code;
        typo[i] = c;
        auto parsed = ParseInviteCode(typo);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message.find("typo in group " + std::to_string(group)) !=
              std::string::npos);
      }
    }
  }
}

TEST_CASE("malformed invite codes are refused with a sentence", "[pairing]") {
  const std::string code = FormatInviteCode(SecretFromSeed(9));
  auto short_code = ParseInviteCode(code.substr(0, code.size() - 1));
  REQUIRE_FALSE(short_code);
  CHECK_THAT(short_code.error().message, Catch::Contains("expected 32 characters"));
  std::string bad_char = code;
  bad_char[3] = '9';
  auto not_base32 = ParseInviteCode(bad_char);
  REQUIRE_FALSE(not_base32);
  CHECK_THAT(not_base32.error().message, Catch::Contains("character 4"));
  CHECK_FALSE(ParseInviteCode(""));
}

TEST_CASE("an invite code of another format version is refused", "[pairing]") {
  // Version byte 2: the first base32 characters change, so recompute the
  // check characters the way FormatInviteCode does.
  const std::string v1 = FormatInviteCode(Bytes(16, 0));
  REQUIRE(v1.substr(0, 2) == "AE");
  std::string data = "AI" + v1.substr(2, 5);  // 0x02 then zeros
  std::string v2 = data + LuhnBase32CheckChar(data) + v1.substr(8);
  auto refused = ParseInviteCode(v2);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("invite format 2"));
}

}  // namespace shoal::net
