#include "net/noise/dh.h"

#include <catch2/catch.hpp>

namespace shoal::net {
namespace {

PublicKey Key(std::string_view hex) {
  Bytes bytes = HexDecode(hex).value();
  PublicKey key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

}  // namespace

TEST_CASE("X25519 matches RFC 7748 section 6.1", "[net][noise]") {
  Bytes alice =
      HexDecode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").value();
  Bytes bob = HexDecode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb").value();
  auto alice_public = DerivePublicKey(alice);
  auto bob_public = DerivePublicKey(bob);
  REQUIRE(alice_public);
  REQUIRE(bob_public);
  CHECK(*alice_public == Key("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
  CHECK(*bob_public == Key("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  Bytes shared(kDhLen);
  REQUIRE(Dh(alice, *bob_public, shared));
  CHECK(HexEncode(shared) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST_CASE("DH with a low-order public key fails instead of yielding zeros", "[net][noise]") {
  auto pair = GenerateKeyPair();
  REQUIRE(pair);
  Bytes shared(kDhLen, 0xaa);
  // All zeros and 1 are small-order points; so is this order-8 point.
  for (const PublicKey& bad :
       {PublicKey{}, Key("0100000000000000000000000000000000000000000000000000000000000000"),
        Key("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")}) {
    auto dh = Dh(pair->private_key.view(), bad, shared);
    REQUIRE_FALSE(dh);
    CHECK(dh.error().code == ErrorCode::kCrypto);
    CHECK(shared == Bytes(kDhLen, 0));  // nothing usable is left behind
  }
}

TEST_CASE("generated key pairs differ and agree on a shared secret", "[net][noise]") {
  auto a = GenerateKeyPair();
  auto b = GenerateKeyPair();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->public_key != b->public_key);
  Bytes ab(kDhLen), ba(kDhLen);
  REQUIRE(Dh(a->private_key.view(), b->public_key, ab));
  REQUIRE(Dh(b->private_key.view(), a->public_key, ba));
  CHECK(ab == ba);
  CHECK_FALSE(DerivePublicKey(Bytes(31)));
}

}  // namespace shoal::net
