#include "net/noise/cipher_state.h"

#include <sodium.h>

#include <array>
#include <cstring>
#include <string>

#include "core/base/check.h"

namespace shoal::net {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kCipherKeyLen);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kTagLen);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_aes256gcm_KEYBYTES == kCipherKeyLen);
static_assert(crypto_aead_aes256gcm_ABYTES == kTagLen);
static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12);

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

// libsodium's AES state must be 16-byte aligned. sodium_malloc places a
// block so that it ends at a page boundary, so every offset in it that is
// a multiple of 16 is aligned as long as the block's size is one too.
std::size_t BufferSize(NoiseCipher cipher) {
  std::size_t size = 2 * kCipherKeyLen;
  if (cipher == NoiseCipher::kAesGcm) size += (crypto_aead_aes256gcm_statebytes() + 15) / 16 * 16;
  return size;
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
                "AESGCM is not available: this CPU lacks AES-NI/PCLMUL, which libsodium's "
                "AES-256-GCM requires");
  }
  auto buffer = SecretBytes::Allocate(BufferSize(cipher));
  if (!buffer) return buffer.error();
  SHOAL_CHECK(reinterpret_cast<std::uintptr_t>(buffer->data()) % 16 == 0,
              "secret memory for a cipher state is not 16-byte aligned");
  return CipherState(cipher, std::move(*buffer));
}

Result<CipherState> CipherState::WithKey(ByteSpan key, NoiseCipher cipher) {
  auto state = Create(cipher);
  if (state) state->InitializeKey(key);
  return state;
}

void CipherState::InitializeKey(ByteSpan key) {
  SHOAL_CHECK(key.size() >= kCipherKeyLen, "cipher key shorter than 32 bytes");
  std::memcpy(this->key(), key.data(), kCipherKeyLen);
  if (cipher_ == NoiseCipher::kAesGcm) {
    // Expanding the key once per key (not per message) is what makes the
    // *_afternm calls below cheap.
    auto* state = static_cast<crypto_aead_aes256gcm_state*>(aes_state());
    SHOAL_CHECK(crypto_aead_aes256gcm_beforenm(state, this->key()) == 0,
                "AES-256-GCM key expansion cannot fail");
  }
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
  unsigned long long written = 0;
  int rc = 0;
  if (cipher_ == NoiseCipher::kAesGcm) {
    rc = crypto_aead_aes256gcm_encrypt_afternm(
        out.data(), &written, plaintext.data(), plaintext.size(), ad.data(), ad.size(), nullptr,
        nonce.data(), static_cast<const crypto_aead_aes256gcm_state*>(aes_state()));
  } else {
    rc = crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(),
                                                   plaintext.size(), ad.data(), ad.size(), nullptr,
                                                   nonce.data(), key());
  }
  SHOAL_CHECK(rc == 0 && written == size, "AEAD encryption cannot fail");
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
  unsigned long long written = 0;
  // libsodium checks the tag in constant time before releasing any plaintext.
  int rc = 0;
  if (cipher_ == NoiseCipher::kAesGcm) {
    rc = crypto_aead_aes256gcm_decrypt_afternm(
        out.data(), &written, nullptr, ciphertext.data(), ciphertext.size(), ad.data(), ad.size(),
        nonce.data(), static_cast<const crypto_aead_aes256gcm_state*>(aes_state()));
  } else {
    rc = crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, ciphertext.data(),
                                                   ciphertext.size(), ad.data(), ad.size(),
                                                   nonce.data(), key());
  }
  if (rc != 0) {
    return Fail(ErrorCode::kCrypto, "decryption failed: message forged, corrupted or out of order");
  }
  SHOAL_CHECK(written == size, "AEAD plaintext size");
  ++nonce_;
  return size;
}

void CipherState::Rekey() {
  SHOAL_CHECK(has_key_, "Rekey() without a key");
  static constexpr std::array<std::uint8_t, kCipherKeyLen> kZeros{};
  std::array<std::uint8_t, kTagLen> tag{};  // discarded: only the keystream is the new key
  const Nonce nonce = NoiseNonce(cipher_, kReservedNonce);
  int rc = 0;
  if (cipher_ == NoiseCipher::kAesGcm) {
    rc = crypto_aead_aes256gcm_encrypt_detached_afternm(
        scratch(), tag.data(), nullptr, kZeros.data(), kZeros.size(), nullptr, 0, nullptr,
        nonce.data(), static_cast<const crypto_aead_aes256gcm_state*>(aes_state()));
  } else {
    rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(scratch(), tag.data(), nullptr,
                                                            kZeros.data(), kZeros.size(), nullptr,
                                                            0, nullptr, nonce.data(), key());
  }
  SHOAL_CHECK(rc == 0, "AEAD encryption cannot fail");
  const std::uint64_t nonce_kept = nonce_;  // §4.2: Rekey leaves n alone
  InitializeKey(ByteSpan(scratch(), kCipherKeyLen));
  nonce_ = nonce_kept;
  sodium_memzero(scratch(), kCipherKeyLen);
}

}  // namespace shoal::net
