#include "core/model/device_id.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/base/base32.h"

namespace shoal {
namespace {

DeviceId RandomId(std::mt19937_64& rng) {
  DeviceId::Key key;
  for (auto& b : key) b = static_cast<std::uint8_t>(rng());
  return DeviceId(key);
}

// Index of the character within the 56-char compact (no dashes) text that
// `display_pos` in the dashed text refers to, or -1 for a dash.
std::string Compact(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != '-') out.push_back(c);
  }
  return out;
}

}  // namespace

TEST_CASE("device ID text is 8 dash-joined groups of 7 that parse back", "[model][device_id]") {
  std::mt19937_64 rng(10);
  for (int i = 0; i < 500; ++i) {
    DeviceId id = RandomId(rng);
    std::string text = id.ToString();
    REQUIRE(text.size() == 63);
    for (std::size_t g = 1; g < 8; ++g) CHECK(text[g * 8 - 1] == '-');
    auto parsed = DeviceId::Parse(text);
    REQUIRE(parsed);
    CHECK(*parsed == id);
  }
}

TEST_CASE("device ID parsing forgives case, spacing, dashes and look-alike digits",
          "[model][device_id]") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    DeviceId id = RandomId(rng);
    std::string compact = Compact(id.ToString());
    std::string sloppy;
    for (std::size_t j = 0; j < compact.size(); ++j) {
      char c = compact[j];
      if (c == 'O' && rng() % 2) c = '0';
      if (c == 'I' && rng() % 2) c = '1';
      if (c == 'B' && rng() % 2) c = '8';
      if (c >= 'A' && c <= 'Z' && rng() % 2) c = static_cast<char>(c - 'A' + 'a');
      sloppy.push_back(c);
      if (j % 4 == 3) sloppy.append(rng() % 2 ? " " : "-");
    }
    auto parsed = DeviceId::Parse(sloppy);
    REQUIRE(parsed);
    CHECK(*parsed == id);
  }
}

TEST_CASE("every single-character typo in a device ID is rejected", "[model][device_id]") {
  std::mt19937_64 rng(12);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (int i = 0; i < 20; ++i) {
    std::string compact = Compact(RandomId(rng).ToString());
    for (std::size_t pos = 0; pos < compact.size(); ++pos) {
      for (char c : alphabet) {
        if (c == compact[pos]) continue;
        std::string typo = compact;
        typo[pos] = c;
        auto parsed = DeviceId::Parse(typo);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
      }
    }
  }
}

TEST_CASE("every adjacent transposition in a device ID is rejected except A<->7 within a part",
          "[model][device_id]") {
  std::mt19937_64 rng(13);
  int undetectable_seen = 0;
  for (int i = 0; i < 300; ++i) {
    DeviceId id = RandomId(rng);
    std::string compact = Compact(id.ToString());
    for (std::size_t pos = 0; pos + 1 < compact.size(); ++pos) {
      if (compact[pos] == compact[pos + 1]) continue;  // swapping equal chars changes nothing
      std::string swapped = compact;
      std::swap(swapped[pos], swapped[pos + 1]);
      auto parsed = DeviceId::Parse(swapped);
      bool same_part = pos / 14 == (pos + 1) / 14;
      bool a7 = (compact[pos] == 'A' && compact[pos + 1] == '7') ||
                (compact[pos] == '7' && compact[pos + 1] == 'A');
      if (same_part && a7) {
        // Luhn mod 32's one blind spot (core/base/base32.h). It may still be
        // caught by the trailing-bits rule, so only count it.
        if (parsed) ++undetectable_seen;
        continue;
      }
      INFO("swap at " << pos << " in " << compact);
      CHECK_FALSE(parsed);
    }
  }
  // The blind spot is real (documented, not hidden): random IDs hit it.
  CHECK(undetectable_seen > 0);
}

TEST_CASE("device ID errors say what is wrong", "[model][device_id]") {
  auto short_text = DeviceId::Parse("ABCDEFG-HIJKLMN");
  REQUIRE_FALSE(short_text);
  CHECK_THAT(short_text.error().message, Catch::Contains("expected 56 characters"));

  std::string bad_char = Compact(DeviceId().ToString());
  bad_char[3] = '9';
  auto r = DeviceId::Parse(bad_char);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("character 4"));

  std::string typo = Compact(DeviceId().ToString());
  typo[20] = typo[20] == 'B' ? 'C' : 'B';
  auto t = DeviceId::Parse(typo);
  REQUIRE_FALSE(t);
  CHECK_THAT(t.error().message, Catch::Contains("check character 2"));
}

TEST_CASE("short ID is the first 8 key bytes big-endian", "[model][device_id]") {
  DeviceId::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i + 1);
  DeviceId id(key);
  CHECK(id.ShortId() == 0x0102030405060708ull);
  CHECK(ShortIdString(id.ShortId()) == id.ToString().substr(0, 7));
  CHECK_FALSE(DeviceId::FromBytes(Bytes(31)));
  CHECK(DeviceId::FromBytes(Bytes(32)).value() == DeviceId());
}

}  // namespace shoal
