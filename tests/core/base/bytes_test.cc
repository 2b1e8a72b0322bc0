#include "core/base/bytes.h"

#include <catch2/catch.hpp>
#include <random>

namespace shoal {

TEST_CASE("hex round-trips any bytes and rejects malformed text", "[base][bytes]") {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    Bytes data(rng() % 40);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    auto back = HexDecode(HexEncode(data));
    REQUIRE(back);
    CHECK(*back == data);
  }
  CHECK(HexEncode(Bytes{0x00, 0xab, 0xff}) == "00abff");
  CHECK(HexDecode("00ABff").value() == Bytes{0x00, 0xab, 0xff});
  CHECK_FALSE(HexDecode("abc"));
  CHECK_FALSE(HexDecode("zz"));
}

TEST_CASE("varints round-trip across the whole 64-bit range", "[base][bytes]") {
  std::mt19937_64 rng(2);
  std::vector<std::uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT64_MAX, UINT64_MAX - 1};
  for (int i = 0; i < 1000; ++i) values.push_back(rng() >> (rng() % 64));
  Bytes buf;
  for (auto v : values) AppendVarint(buf, v);
  ByteReader reader(buf);
  for (auto v : values) {
    auto got = reader.ReadVarint();
    REQUIRE(got);
    CHECK(*got == v);
  }
  CHECK(reader.at_end());
}

TEST_CASE("ByteReader rejects truncated and overlong input", "[base][bytes]") {
  Bytes truncated = {0x80, 0x80};
  ByteReader r1(truncated);
  auto v = r1.ReadVarint();
  REQUIRE_FALSE(v);
  CHECK(v.error().code == ErrorCode::kCorrupt);

  Bytes overlong(11, 0x80);
  overlong.back() = 0x01;
  ByteReader r2(overlong);
  CHECK_FALSE(r2.ReadVarint());

  Bytes too_big = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  ByteReader r3(too_big);
  CHECK_FALSE(r3.ReadVarint());

  Bytes three = {1, 2, 3};
  ByteReader r4(three);
  CHECK_FALSE(r4.ReadBigEndian64());
  CHECK(r4.at_end());  // a failed read leaves nothing further to read
  ByteReader r5(three);
  CHECK(r5.ReadBigEndian16().value() == 0x0102);
  CHECK_FALSE(r5.ReadBytes(2));
}

TEST_CASE("big-endian integers are written most significant byte first", "[base][bytes]") {
  Bytes out;
  AppendBigEndian64(out, 0x0102030405060708ull);
  AppendBigEndian16(out, 0xa1b2);
  CHECK(out == Bytes{1, 2, 3, 4, 5, 6, 7, 8, 0xa1, 0xb2});
  ByteReader r(out);
  CHECK(r.ReadBigEndian64().value() == 0x0102030405060708ull);
  CHECK(r.ReadBigEndian16().value() == 0xa1b2);
}

}  // namespace shoal
