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

using Nonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;

// §12.3: 32 bits of zeros, then the 64-bit counter little-endian.
Nonce NoiseNonce(std::uint64_t n) {
  Nonce nonce{};
  for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

Error TooLong(std::size_t size) {
  return Error{ErrorCode::kProtocol,
               "message of " + std::to_string(size) + " bytes exceeds the Noise limit of 65535"};
}

Error Exhausted() {
  return Error{ErrorCode::kCrypto, "cipher nonce exhausted (2^64-1 messages); reconnect"};
}

}  // namespace

Result<CipherState> CipherState::Create() {
  auto buffer = SecretBytes::Allocate(2 * kCipherKeyLen);
  if (!buffer) return buffer.error();
  return CipherState(std::move(*buffer));
}

Result<CipherState> CipherState::WithKey(ByteSpan key) {
  auto state = Create();
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
  const Nonce nonce = NoiseNonce(nonce_);
  unsigned long long written = 0;
  int rc = crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(),
                                                     plaintext.size(), ad.data(), ad.size(),
                                                     nullptr, nonce.data(), key());
  SHOAL_CHECK(rc == 0 && written == size, "ChaCha20-Poly1305 encryption cannot fail");
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
  const Nonce nonce = NoiseNonce(nonce_);
  unsigned long long written = 0;
  // libsodium checks the tag in constant time before releasing any plaintext.
  int rc = crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &written, nullptr,
                                                     ciphertext.data(), ciphertext.size(),
                                                     ad.data(), ad.size(), nonce.data(), key());
  if (rc != 0) {
    return Fail(ErrorCode::kCrypto, "decryption failed: message forged, corrupted or out of order");
  }
  SHOAL_CHECK(written == size, "ChaCha20-Poly1305 plaintext size");
  ++nonce_;
  return size;
}

void CipherState::Rekey() {
  SHOAL_CHECK(has_key_, "Rekey() without a key");
  static constexpr std::array<std::uint8_t, kCipherKeyLen> kZeros{};
  std::uint8_t* scratch = buffer_.data() + kCipherKeyLen;
  std::array<std::uint8_t, kTagLen> tag{};  // discarded: only the keystream is the new key
  const Nonce nonce = NoiseNonce(kReservedNonce);
  int rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(scratch, tag.data(), nullptr,
                                                              kZeros.data(), kZeros.size(), nullptr,
                                                              0, nullptr, nonce.data(), key());
  SHOAL_CHECK(rc == 0, "ChaCha20-Poly1305 encryption cannot fail");
  std::memcpy(key(), scratch, kCipherKeyLen);
  sodium_memzero(scratch, kCipherKeyLen);
}

}  // namespace shoal::net
