// CipherState (Noise rev 34, §5.1): a 32-byte key k (or none) and a 64-bit
// nonce n, with one of the two Noise ciphers:
//  * ChaChaPoly (§12.3): ChaCha20-Poly1305 IETF under the 96-bit nonce
//    0x00000000 || little-endian n;
//  * AESGCM (§12.4): AES-256-GCM under 0x00000000 || BIG-endian n. It is
//    offered only where the CPU has AES-NI (AesGcmAvailable()): a software
//    AES would be slower than ChaCha20.
// Both run on OpenSSL's EVP AEADs (libcrypto), which use AVX-512/VAES where
// the CPU has them; libsodium does the rest of Noise (DH, hashes).
//
// Contracts:
//  * n counts messages; it is never reused. n = 2^64-1 is reserved (§5.1):
//    once reached, Encrypt/Decrypt fail with kCrypto and the CipherState is
//    spent (start a new session).
//  * A failed decryption leaves n unchanged (the caller must close the
//    connection anyway: DESIGN.md "Transport").
//  * Messages are at most kMaxMessageSize bytes (ciphertext, tag included).
//  * Without a key, Encrypt/Decrypt copy the input (handshake before the
//    first DH), as the spec says.
// The key lives in SecretBytes and is wiped on destruction. OpenSSL holds
// a copy of it (and the AES key schedule) in its cipher context while a
// message is sealed or opened, in ordinary memory that it cleanses when the
// context is reset or freed. Move-only; one
// thread at a time (in a session: the loop thread). A moved-from
// CipherState may only be destroyed or assigned to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/secret_bytes.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace shoal::net {

// Frees an OpenSSL cipher context (EVP_CIPHER_CTX_free).
struct EvpContextFree {
  void operator()(evp_cipher_ctx_st* context) const noexcept;
};
using EvpContext = std::unique_ptr<evp_cipher_ctx_st, EvpContextFree>;

inline constexpr std::size_t kCipherKeyLen = 32;
inline constexpr std::size_t kTagLen = 16;
// Noise messages, handshake or transport, never exceed 65535 bytes (§3).
inline constexpr std::size_t kMaxMessageSize = 65535;
inline constexpr std::uint64_t kReservedNonce = std::numeric_limits<std::uint64_t>::max();

enum class NoiseCipher { kChaChaPoly, kAesGcm };

// The name used in protocol names: "ChaChaPoly", "AESGCM".
std::string_view CipherName(NoiseCipher cipher);
std::optional<NoiseCipher> ParseCipherName(std::string_view name);
// Whether this CPU can run AESGCM (libsodium's AES-256-GCM needs AES-NI and
// PCLMUL). Initialises libsodium first; false if that fails.
bool AesGcmAvailable();

class CipherState {
 public:
  // A CipherState with no key yet (InitializeKey(empty) of the spec). Fails
  // with kCrypto for AESGCM when !AesGcmAvailable().
  static Result<CipherState> Create(NoiseCipher cipher = NoiseCipher::kChaChaPoly);
  // A CipherState holding a copy of the first 32 bytes of `key` (§5.2 lets
  // a 64-byte HASHLEN output be truncated), n = 0.
  static Result<CipherState> WithKey(ByteSpan key, NoiseCipher cipher = NoiseCipher::kChaChaPoly);

  CipherState(CipherState&&) noexcept = default;
  CipherState& operator=(CipherState&&) noexcept = default;

  // k = first 32 bytes of `key`, n = 0. `key` must be at least 32 bytes.
  void InitializeKey(ByteSpan key);
  bool HasKey() const { return has_key_; }
  NoiseCipher cipher() const { return cipher_; }
  // The next nonce to be used; also "how many messages so far".
  std::uint64_t nonce() const { return nonce_; }
  // Sets n (§5.1). Only for tests and transports with explicit nonces;
  // reusing a nonce under one key breaks confidentiality.
  void SetNonce(std::uint64_t nonce) { nonce_ = nonce; }

  // Appends ENCRYPT(k, n++, ad, plaintext) (or plaintext without a key) to
  // `out`, which must not overlap `plaintext`. On failure `out` is unchanged.
  Result<void> EncryptWithAd(ByteSpan ad, ByteSpan plaintext, Bytes& out);
  // The bulk form of EncryptWithAd: writes the ciphertext (plaintext + tag)
  // to the front of `out`, which must be at least that large and not
  // overlap `plaintext`, and returns its size; nothing is zero-filled first.
  // Requires a key.
  Result<std::size_t> EncryptWithAdTo(ByteSpan ad, ByteSpan plaintext, std::span<std::uint8_t> out);
  // Appends DECRYPT(k, n, ad, ciphertext) to `out` (not overlapping
  // `ciphertext`) and increments n; fails with kCrypto on an authentication
  // failure, leaving `out` and n unchanged.
  Result<void> DecryptWithAd(ByteSpan ad, ByteSpan ciphertext, Bytes& out);

  // The bulk form of DecryptWithAd: writes the plaintext to the front of
  // `out` (at least ciphertext.size() - 16 bytes, not overlapping) and
  // returns its size. On failure n is unchanged and `out` may hold garbage.
  // Requires a key.
  Result<std::size_t> DecryptWithAdTo(ByteSpan ad, ByteSpan ciphertext,
                                      std::span<std::uint8_t> out);

  // k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes) (§4.2);
  // n is unchanged. Both directions' peers must rekey after the same
  // message to stay in sync. Requires a key.
  void Rekey();

 private:
  CipherState(NoiseCipher cipher, SecretBytes buffer, EvpContext context)
      : cipher_(cipher), buffer_(std::move(buffer)), context_(std::move(context)) {}
  std::uint8_t* key() { return buffer_.data(); }
  std::uint8_t* scratch() { return buffer_.data() + kCipherKeyLen; }

  NoiseCipher cipher_;
  // [0, 32): k; [32, 80): scratch for Rekey's ciphertext and tag, so the
  // new key is never outside secret memory. Allocated once; InitializeKey
  // only copies into it.
  SecretBytes buffer_;
  EvpContext context_;  // reused for every message
  std::uint64_t nonce_ = 0;
  bool has_key_ = false;
};

}  // namespace shoal::net
