#include "net/noise/noise_hash.h"

#include <catch2/catch.hpp>
#include <string_view>

#include "net/noise/pairing_psk.h"

namespace shoal::net {
namespace {

ByteSpan Text(std::string_view text) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

std::string HmacHex(NoiseHash hash, ByteSpan key, ByteSpan data) {
  Bytes out(HashLen(hash));
  Hmac(hash, key, data, {}, out);
  return HexEncode(out);
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[net][noise]") {
  CHECK(HmacHex(NoiseHash::kSha256, Text("Jefe"), Text("what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-BLAKE2b follows RFC 2104 with a 128-byte block", "[net][noise]") {
  // Expected values from Python's hmac module over hashlib.blake2b.
  CHECK(HmacHex(NoiseHash::kBlake2b, Text("Jefe"), Text("what do ya want for nothing?")) ==
        "6ff884f8ddc2a6586b3c98a4cd6ebdf14ec10204b6710073eb5865ade37a2643"
        "b8807c1335d107ecdb9ffeaeb6828c4625ba172c66379efcd222c2de11727ab4");
  Bytes long_key(200);
  for (std::size_t i = 0; i < long_key.size(); ++i) long_key[i] = static_cast<std::uint8_t>(i);
  CHECK(HmacHex(NoiseHash::kBlake2b, long_key, Text("abc")) ==
        "feb09eb5b1c557085c0a53bdf39ef7bc9af291f21d7c917cd1cf09542aab9536"
        "2de79b3925fe55d92997423b5a68be1bda2f6518df34fa1053bb3ef559b08200");
}

TEST_CASE("HMAC splits its input the same wherever the caller cuts it", "[net][noise]") {
  for (NoiseHash hash : {NoiseHash::kSha256, NoiseHash::kBlake2b}) {
    Bytes whole(HashLen(hash)), parts(HashLen(hash));
    Hmac(hash, Text("key"), Text("hello world"), {}, whole);
    Hmac(hash, Text("key"), Text("hello "), Text("world"), parts);
    CHECK(whole == parts);
  }
}

TEST_CASE("Noise HKDF equals RFC 5869 HKDF with empty info (test case 3)", "[net][noise]") {
  // RFC 5869 A.3: empty salt, which HMAC pads exactly like 32 zero bytes.
  Bytes chaining_key(32, 0);
  Bytes ikm(22, 0x0b);
  Bytes temp(32), out1(32), out2(32);
  const std::span<std::uint8_t> outputs[] = {out1, out2};
  Hkdf(NoiseHash::kSha256, chaining_key, ikm, temp, outputs);
  Bytes okm = out1;
  okm.insert(okm.end(), out2.begin(), out2.begin() + 10);
  CHECK(HexEncode(okm) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  CHECK(temp == Bytes(32, 0));  // the scratch key is wiped
}

TEST_CASE("HKDF may write its first output over the chaining key", "[net][noise]") {
  Bytes separate_ck(32, 7), aliased(32, 7);
  Bytes temp(32), out1(32), out2(32), out2_aliased(32);
  const std::span<std::uint8_t> outputs[] = {out1, out2};
  Hkdf(NoiseHash::kSha256, separate_ck, Text("ikm"), temp, outputs);
  const std::span<std::uint8_t> in_place[] = {aliased, out2_aliased};
  Hkdf(NoiseHash::kSha256, aliased, Text("ikm"), temp, in_place);
  CHECK(aliased == out1);
  CHECK(out2_aliased == out2);
}

TEST_CASE("hash names parse both ways", "[net][noise]") {
  CHECK(ParseHashName("SHA256") == NoiseHash::kSha256);
  CHECK(ParseHashName("BLAKE2b") == NoiseHash::kBlake2b);
  CHECK_FALSE(ParseHashName("BLAKE2s").has_value());
  CHECK(HashName(NoiseHash::kBlake2b) == "BLAKE2b");
  CHECK(HashLen(NoiseHash::kSha256) == 32);
  CHECK(HashLen(NoiseHash::kBlake2b) == 64);
}

TEST_CASE("the pairing psk is HMAC-SHA256 of the label under the invite secret", "[net][noise]") {
  Bytes secret(16);
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
  auto psk = DerivePairingPsk(secret);
  REQUIRE(psk);
  // Python: hmac.new(bytes(range(16)), b"shoal/pair/psk/v1", hashlib.sha256)
  CHECK(HexEncode(psk->view()) ==
        "f7760c3d77a4e70708597956750c7a6b936ce9d1bceb00e7c77a4896e96a2383");
  CHECK_FALSE(DerivePairingPsk({}));
}

}  // namespace shoal::net
