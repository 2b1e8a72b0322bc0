#include "net/noise/handshake_pattern.h"

#include <catch2/catch.hpp>

namespace shoal::net {

using enum Token;

TEST_CASE("XX and IK are the spec's token lists", "[net][noise]") {
  auto xx = ParseHandshakePattern("XX");
  REQUIRE(xx);
  CHECK(xx->messages == std::vector<std::vector<Token>>{{kE}, {kE, kEE, kS, kES}, {kS, kSE}});
  CHECK(xx->initiator_premessage.empty());
  CHECK(xx->responder_premessage.empty());
  CHECK(xx->psk_count == 0);

  auto ik = ParseHandshakePattern("IK");
  REQUIRE(ik);
  CHECK(ik->responder_premessage == std::vector<Token>{kS});
  CHECK(ik->messages == std::vector<std::vector<Token>>{{kE, kES, kS, kSS}, {kE, kEE, kSE}});
}

TEST_CASE("psk modifiers place psk tokens per spec section 9", "[net][noise]") {
  auto xxpsk3 = ParseHandshakePattern("XXpsk3");
  REQUIRE(xxpsk3);
  CHECK(xxpsk3->messages[2] == std::vector<Token>{kS, kSE, kPsk});
  CHECK(xxpsk3->psk_count == 1);

  auto ikpsk2 = ParseHandshakePattern("IKpsk2");
  REQUIRE(ikpsk2);
  CHECK(ikpsk2->messages[1] == std::vector<Token>{kE, kEE, kSE, kPsk});

  auto both = ParseHandshakePattern("XXpsk0+psk3");
  REQUIRE(both);
  CHECK(both->messages[0] == std::vector<Token>{kPsk, kE});
  CHECK(both->messages[2].back() == kPsk);
  CHECK(both->psk_count == 2);
}

TEST_CASE("unsupported or malformed pattern names are refused", "[net][noise]") {
  for (const char* name : {"NN", "XXfallback", "XXpsk4", "XXpsk3+psk3", "XXpsk", "XXpsk03",
                           "XXpsk3+", "psk3", "", "XXpskx"}) {
    INFO(name);
    auto parsed = ParseHandshakePattern(name);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("protocol names name the pattern, DH, cipher and hash", "[net][noise]") {
  auto pairing = ParseProtocolName("Noise_XXpsk3_25519_ChaChaPoly_SHA256");
  REQUIRE(pairing);
  CHECK(pairing->pattern.name == "XXpsk3");
  CHECK(pairing->hash == NoiseHash::kSha256);
  auto blake = ParseProtocolName("Noise_IK_25519_ChaChaPoly_BLAKE2b");
  REQUIRE(blake);
  CHECK(blake->hash == NoiseHash::kBlake2b);
  CHECK(blake->cipher == NoiseCipher::kChaChaPoly);
  auto aes = ParseProtocolName("Noise_XXpsk3_25519_AESGCM_SHA256");
  REQUIRE(aes);  // parses even without AES-NI; only creating the cipher needs it
  CHECK(aes->cipher == NoiseCipher::kAesGcm);
  CHECK(aes->pattern.psk_count == 1);

  for (const char* name : {"Noise_XX_448_ChaChaPoly_SHA256", "Noise_XX_25519_AESGCMSIV_SHA256",
                           "Noise_XX_25519_aesgcm_SHA256", "Noise_XX_25519_ChaChaPoly_SHA512",
                           "Noise_XX_25519_ChaChaPoly", "NoisePSK_XX_25519_ChaChaPoly_SHA256",
                           "Noise_XX_25519_ChaChaPoly_SHA256_extra"}) {
    INFO(name);
    CHECK_FALSE(ParseProtocolName(name));
  }
}

}  // namespace shoal::net
