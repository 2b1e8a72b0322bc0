#include "net/noise/cipher_state.h"

#include <sodium.h>

#include <array>
#include <catch2/catch.hpp>

namespace shoal::net {
namespace {

// A sender and a receiver sharing one key, as after Split().
struct Pair {
  CipherState sender;
  CipherState receiver;
};

Pair MakePair(std::uint8_t fill = 0x11) {
  Bytes key(kCipherKeyLen, fill);
  return Pair{CipherState::WithKey(key).value(), CipherState::WithKey(key).value()};
}

Bytes Seal(CipherState& cipher, const Bytes& plaintext, const Bytes& ad = {}) {
  Bytes out;
  REQUIRE(cipher.EncryptWithAd(ad, plaintext, out));
  return out;
}

}  // namespace

TEST_CASE("ChaChaPoly round-trips, binds the ad and advances the nonce", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  Bytes plaintext = {'h', 'e', 'l', 'l', 'o'};
  Bytes ad = {1, 2, 3};
  Bytes sealed = Seal(sender, plaintext, ad);
  CHECK(sealed.size() == plaintext.size() + kTagLen);
  CHECK(sender.nonce() == 1);

  Bytes opened;
  auto wrong_ad = receiver.DecryptWithAd(Bytes{9}, sealed, opened);
  REQUIRE_FALSE(wrong_ad);
  CHECK(wrong_ad.error().code == ErrorCode::kCrypto);
  CHECK(opened.empty());
  CHECK(receiver.nonce() == 0);  // a failed decryption does not consume a nonce

  REQUIRE(receiver.DecryptWithAd(ad, sealed, opened));
  CHECK(opened == plaintext);
  CHECK(receiver.nonce() == 1);
}

TEST_CASE("the same plaintext under successive nonces gives different ciphertext", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  Bytes plaintext(32, 0);
  CHECK(Seal(sender, plaintext) != Seal(sender, plaintext));
}

TEST_CASE("a flipped bit anywhere in a transport message fails decryption", "[net][noise]") {
  Bytes plaintext = {'b', 'l', 'o', 'c', 'k'};
  auto pair = MakePair();
  Bytes sealed = Seal(pair.sender, plaintext);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (std::uint8_t bit = 1; bit != 0; bit = static_cast<std::uint8_t>(bit << 1)) {
      Bytes tampered = sealed;
      tampered[i] ^= bit;
      Bytes out;
      CHECK_FALSE(MakePair().receiver.DecryptWithAd({}, tampered, out));
    }
  }
  Bytes out;
  CHECK(pair.receiver.DecryptWithAd({}, sealed, out));
}

TEST_CASE("messages out of order or replayed fail", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  Bytes first = Seal(sender, {1});
  Bytes second = Seal(sender, {2});
  Bytes out;
  CHECK_FALSE(receiver.DecryptWithAd({}, second, out));
  REQUIRE(receiver.DecryptWithAd({}, first, out));
  CHECK_FALSE(receiver.DecryptWithAd({}, first, out));
  CHECK(receiver.DecryptWithAd({}, second, out));
}

TEST_CASE("nonce 2^64-1 is reserved: an exhausted CipherState refuses to work", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  sender.SetNonce(kReservedNonce - 1);
  receiver.SetNonce(kReservedNonce - 1);
  Bytes last = Seal(sender, {7});  // the last usable nonce
  Bytes out;
  REQUIRE(receiver.DecryptWithAd({}, last, out));
  CHECK(sender.nonce() == kReservedNonce);

  Bytes refused;
  auto encrypt = sender.EncryptWithAd({}, Bytes{8}, refused);
  REQUIRE_FALSE(encrypt);
  CHECK(encrypt.error().code == ErrorCode::kCrypto);
  CHECK(refused.empty());
  auto decrypt = receiver.DecryptWithAd({}, last, out);
  REQUIRE_FALSE(decrypt);
  CHECK_THAT(decrypt.error().message, Catch::Contains("exhausted"));
}

TEST_CASE("rekey changes the ciphertext and both sides stay in sync", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  auto [twin, unused] = MakePair();  // same key and nonce, never rekeyed
  Bytes plaintext = {'d', 'a', 't', 'a'};
  sender.Rekey();
  receiver.Rekey();
  CHECK(sender.nonce() == 0);  // §4.2: rekey keeps n
  Bytes rekeyed = Seal(sender, plaintext);
  CHECK(rekeyed != Seal(twin, plaintext));
  // Independent check of REKEY(k) = ENCRYPT(k, 2^64-1, "", zeros[32])[0:32]
  // (Python "cryptography", ChaCha20Poly1305, nonce 00000000 ffffffffffffffff).
  CHECK(HexEncode(rekeyed) == "cfcc985553eed177b826bff20854e523af47cde3");
  Bytes out;
  REQUIRE(receiver.DecryptWithAd({}, rekeyed, out));
  CHECK(out == plaintext);

  sender.Rekey();  // only one side rekeys: the next message no longer opens
  Bytes lone = Seal(sender, plaintext);
  CHECK_FALSE(receiver.DecryptWithAd({}, lone, out));
}

TEST_CASE("oversized messages are refused both ways", "[net][noise]") {
  auto [sender, receiver] = MakePair();
  Bytes out;
  auto big = sender.EncryptWithAd({}, Bytes(kMaxMessageSize - kTagLen + 1), out);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == ErrorCode::kInvalidArgument);
  REQUIRE(sender.EncryptWithAd({}, Bytes(kMaxMessageSize - kTagLen), out));
  CHECK(out.size() == kMaxMessageSize);
  auto read = receiver.DecryptWithAd({}, Bytes(kMaxMessageSize + 1), out);
  REQUIRE_FALSE(read);
  CHECK(read.error().code == ErrorCode::kProtocol);
}

TEST_CASE("without a key a CipherState passes bytes through", "[net][noise]") {
  auto cipher = CipherState::Create();
  REQUIRE(cipher);
  CHECK_FALSE(cipher->HasKey());
  Bytes out;
  REQUIRE(cipher->EncryptWithAd({}, Bytes{1, 2}, out));
  CHECK(out == Bytes{1, 2});
  CHECK(cipher->nonce() == 0);
}

// AESGCM (§12.4) against libsodium called directly: the nonce is 32 zero
// bits then n BIG-endian (ChaChaPoly's is little-endian), and Rekey is
// ENCRYPT(k, 2^64-1, empty, 32 zeros) truncated to 32 bytes, as for any cipher.
TEST_CASE("AESGCM uses a big-endian nonce and rekeys as the spec says", "[net][noise]") {
  if (!AesGcmAvailable()) {
    auto refused = CipherState::Create(NoiseCipher::kAesGcm);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kCrypto);
    WARN("NOT RUN: AESGCM needs AES-NI, which this CPU lacks");
    return;
  }
  const Bytes key(kCipherKeyLen, 0x42);
  auto sender = CipherState::WithKey(key, NoiseCipher::kAesGcm).value();
  auto receiver = CipherState::WithKey(key, NoiseCipher::kAesGcm).value();
  CHECK(sender.cipher() == NoiseCipher::kAesGcm);
  const Bytes plaintext = {'a', 'e', 's'};
  const Bytes ad = {7};
  auto raw = [&](ByteSpan k, std::uint64_t n, ByteSpan message, ByteSpan data) {
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
    Bytes out(message.size() + kTagLen);
    unsigned long long written = 0;
    REQUIRE(crypto_aead_aes256gcm_encrypt(out.data(), &written, message.data(), message.size(),
                                          data.data(), data.size(), nullptr, nonce.data(),
                                          k.data()) == 0);
    return out;
  };
  sender.SetNonce(0x0102030405060708);
  receiver.SetNonce(0x0102030405060708);
  Bytes sealed = Seal(sender, plaintext, ad);
  CHECK(sealed == raw(key, 0x0102030405060708, plaintext, ad));
  Bytes opened;
  REQUIRE(receiver.DecryptWithAd(ad, sealed, opened));
  CHECK(opened == plaintext);

  sender.Rekey();
  receiver.Rekey();
  CHECK(sender.nonce() == 0x0102030405060709);  // Rekey leaves n alone
  const Bytes zeros(kCipherKeyLen, 0);
  Bytes new_key = raw(key, kReservedNonce, zeros, {});
  new_key.resize(kCipherKeyLen);
  sealed = Seal(sender, plaintext, ad);
  CHECK(sealed == raw(new_key, 0x0102030405060709, plaintext, ad));
  opened.clear();
  REQUIRE(receiver.DecryptWithAd(ad, sealed, opened));
  CHECK(opened == plaintext);

  // The same key under ChaChaPoly gives another ciphertext: the cipher is
  // part of the state, not of the key.
  auto chacha = CipherState::WithKey(key).value();
  CHECK(Seal(chacha, plaintext, ad) != raw(key, 0, plaintext, ad));
}

}  // namespace shoal::net
