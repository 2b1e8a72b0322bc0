#include "net/noise/cipher_state.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <climits>
#include <cstring>
#include <string>

#include "core/base/check.h"

namespace shoal::net {

void EvpContextFree::operator()(evp_cipher_ctx_st* context) const noexcept {
  EVP_CIPHER_CTX_free(context);  // cleanses the key schedule it held
}

namespace {

static_assert(kMaxMessageSize <= INT_MAX, "OpenSSL lengths are int");

using Nonce = std::array<std::uint8_t, 12>;

// 32 bits of zeros, then the 64-bit counter: little-endian for ChaChaPoly
// (§12.3), big-endian for AESGCM (§12.4). Getting this wrong passes every
// test that only uses nonce 0, hence the vectors that reach nonce 1.
Nonce NoiseNonce(NoiseCipher cipher, std::uint64_t n) {
  Nonce nonce{};
  for (std::size_t i = 0; i < 8; ++i) {
    const std::size_t at = cipher == NoiseCipher::kAesGcm ? 11 - i : 4 + i;
    nonce[at] = static_cast<std::uint8_t>(n >> (8 * i));
  }
  return nonce;
}

// k, then room for Rekey's ciphertext of 32 zero bytes and its tag.
constexpr std::size_t kBufferSize = kCipherKeyLen + kCipherKeyLen + kTagLen;

const EVP_CIPHER* EvpCipher(NoiseCipher cipher) {
  return cipher == NoiseCipher::kAesGcm ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}

// ENCRYPT(k, nonce, ad, plaintext) through OpenSSL's EVP interface: writes
// the ciphertext and then the 16-byte tag to `out` (plaintext.size() + 16
// bytes). OpenSSL, not libsodium, because on CPUs with AVX-512/VAES its
// AES-GCM and ChaCha20-Poly1305 run 2.5-3.5x faster (docs/performance.md).
// The key is set on every message; the context keeps no state between them.
bool Seal(EVP_CIPHER_CTX* context, NoiseCipher cipher, const std::uint8_t* key, const Nonce& nonce,
          ByteSpan ad, ByteSpan plaintext, std::uint8_t* out) {
  int length = 0;
  if (EVP_EncryptInit_ex(context, EvpCipher(cipher), nullptr, key, nonce.data()) != 1) return false;
  if (!ad.empty() &&
      EVP_EncryptUpdate(context, nullptr, &length, ad.data(), static_cast<int>(ad.size())) != 1) {
    return false;
  }
  if (!plaintext.empty() && EVP_EncryptUpdate(context, out, &length, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return false;
  }
  std::uint8_t* tag = out + plaintext.size();
  if (EVP_EncryptFinal_ex(context, tag, &length) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagLen), tag) == 1;
}

// DECRYPT: writes ciphertext.size() - 16 bytes of plaintext to `out`, then
// checks the tag; false on a forgery, when `out` must be discarded.
bool Open(EVP_CIPHER_CTX* context, NoiseCipher cipher, const std::uint8_t* key, const Nonce& nonce,
          ByteSpan ad, ByteSpan ciphertext, std::uint8_t* out) {
  const std::size_t size = ciphertext.size() - kTagLen;
  int length = 0;
  if (EVP_DecryptInit_ex(context, EvpCipher(cipher), nullptr, key, nonce.data()) != 1) return false;
  if (!ad.empty() &&
      EVP_DecryptUpdate(context, nullptr, &length, ad.data(), static_cast<int>(ad.size())) != 1) {
    return false;
  }
  if (size > 0 &&
      EVP_DecryptUpdate(context, out, &length, ciphertext.data(), static_cast<int>(size)) != 1) {
    return false;
  }
  // OpenSSL copies the tag and compares it in constant time in Final.
  std::array<std::uint8_t, kTagLen> tag{};
  std::memcpy(tag.data(), ciphertext.data() + size, kTagLen);
  if (EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagLen), tag.data()) !=
      1) {
    return false;
  }
  return EVP_DecryptFinal_ex(context, out + size, &length) == 1;
}

Error TooLong(std::size_t size) {
  return Error{ErrorCode::kProtocol,
               "message of " + std::to_string(size) + " bytes exceeds the Noise limit of 65535"};
}

Error Exhausted() {
  return Error{ErrorCode::kCrypto, "cipher nonce exhausted (2^64-1 messages); reconnect"};
}

}  // namespace

std::string_view CipherName(NoiseCipher cipher) {
  return cipher == NoiseCipher::kAesGcm ? "AESGCM" : "ChaChaPoly";
}

std::optional<NoiseCipher> ParseCipherName(std::string_view name) {
  if (name == "ChaChaPoly") return NoiseCipher::kChaChaPoly;
  if (name == "AESGCM") return NoiseCipher::kAesGcm;
  return std::nullopt;
}

bool AesGcmAvailable() {
  // crypto_aead_aes256gcm_is_available() reads the CPU features that
  // sodium_init() detects; before it, it always says no.
  return EnsureSodium() && crypto_aead_aes256gcm_is_available() == 1;
}

Result<CipherState> CipherState::Create(NoiseCipher cipher) {
  if (cipher == NoiseCipher::kAesGcm && !AesGcmAvailable()) {
    return Fail(ErrorCode::kCrypto,
                "AESGCM is not available: this CPU lacks AES-NI/PCLMUL, without which "
                "AES-256-GCM would be slower than ChaCha20-Poly1305");
  }
  auto buffer = SecretBytes::Allocate(kBufferSize);
  if (!buffer) return buffer.error();
  EvpContext context(EVP_CIPHER_CTX_new());
  if (!context) return Fail(ErrorCode::kCrypto, "OpenSSL could not allocate a cipher context");
  return CipherState(cipher, std::move(*buffer), std::move(context));
}

Result<CipherState> CipherState::WithKey(ByteSpan key, NoiseCipher cipher) {
  auto state = Create(cipher);
  if (state) state->InitializeKey(key);
  return state;
}

void CipherState::InitializeKey(ByteSpan key) {
  SHOAL_CHECK(key.size() >= kCipherKeyLen, "cipher key shorter than 32 bytes");
  std::memcpy(this->key(), key.data(), kCipherKeyLen);
  has_key_ = true;
  nonce_ = 0;
}
Result<void> CipherState::EncryptWithAd(ByteSpan ad, ByteSpan plaintext, Bytes& out) {
  const std::size_t size = plaintext.size() + (has_key_ ? kTagLen : 0);
  if (size > kMaxMessageSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "message of " + std::to_string(size) + " bytes exceeds the Noise limit of 65535");
  }
  if (!has_key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  const std::size_t start = out.size();
  out.resize(start + size);
  auto written = EncryptWithAdTo(ad, plaintext, std::span(out).subspan(start));
  if (!written) {
    out.resize(start);
    return written.error();
  }
  return {};
}

Result<std::size_t> CipherState::EncryptWithAdTo(ByteSpan ad, ByteSpan plaintext,
                                                 std::span<std::uint8_t> out) {
  SHOAL_CHECK(has_key_, "EncryptWithAdTo without a key");
  const std::size_t size = plaintext.size() + kTagLen;
  if (size > kMaxMessageSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "message of " + std::to_string(size) + " bytes exceeds the Noise limit of 65535");
  }
  SHOAL_CHECK(out.size() >= size, "EncryptWithAdTo: output too small");
  if (nonce_ == kReservedNonce) return Exhausted();
  const Nonce nonce = NoiseNonce(cipher_, nonce_);
  SHOAL_CHECK(Seal(context_.get(), cipher_, key(), nonce, ad, plaintext, out.data()),
              "AEAD encryption cannot fail");
  ++nonce_;
  return size;
}

Result<void> CipherState::DecryptWithAd(ByteSpan ad, ByteSpan ciphertext, Bytes& out) {
  if (!has_key_) {
    if (ciphertext.size() > kMaxMessageSize) return TooLong(ciphertext.size());
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return {};
  }
  const std::size_t start = out.size();
  out.resize(start + (ciphertext.size() < kTagLen ? 0 : ciphertext.size() - kTagLen));
  auto written = DecryptWithAdTo(ad, ciphertext, std::span(out).subspan(start));
  if (!written) {
    out.resize(start);
    return written.error();
  }
  return {};
}

Result<std::size_t> CipherState::DecryptWithAdTo(ByteSpan ad, ByteSpan ciphertext,
                                                 std::span<std::uint8_t> out) {
  SHOAL_CHECK(has_key_, "DecryptWithAdTo without a key");
  if (ciphertext.size() > kMaxMessageSize) return TooLong(ciphertext.size());
  if (nonce_ == kReservedNonce) return Exhausted();
  if (ciphertext.size() < kTagLen) {
    return Fail(ErrorCode::kCrypto, "ciphertext shorter than its authentication tag");
  }
  const std::size_t size = ciphertext.size() - kTagLen;
  SHOAL_CHECK(out.size() >= size, "DecryptWithAdTo: output too small");
  const Nonce nonce = NoiseNonce(cipher_, nonce_);
  if (!Open(context_.get(), cipher_, key(), nonce, ad, ciphertext, out.data())) {
    return Fail(ErrorCode::kCrypto, "decryption failed: message forged, corrupted or out of order");
  }
  ++nonce_;
  return size;
}

void CipherState::Rekey() {
  SHOAL_CHECK(has_key_, "Rekey() without a key");
  static constexpr std::array<std::uint8_t, kCipherKeyLen> kZeros{};
  const Nonce nonce = NoiseNonce(cipher_, kReservedNonce);
  // The ciphertext lands in the scratch space and its tag after it (both
  // in secret memory); only the first 32 bytes become the new key.
  SHOAL_CHECK(Seal(context_.get(), cipher_, key(), nonce, {}, kZeros, scratch()),
              "AEAD encryption cannot fail");
  const std::uint64_t nonce_kept = nonce_;  // §4.2: Rekey leaves n alone
  InitializeKey(ByteSpan(scratch(), kCipherKeyLen));
  nonce_ = nonce_kept;
  sodium_memzero(scratch(), kCipherKeyLen + kTagLen);
}

}  // namespace shoal::net
