// SymmetricState (Noise rev 34, §5.2): the chaining key ck, the handshake
// hash h and the CipherState k of a handshake in progress. ck lives in
// secret memory; h is a transcript hash, not a secret, and is exposed for
// channel binding (GetHandshakeHash).
//
// Owned by one HandshakeState; move-only; one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/cipher_state.h"
#include "net/noise/noise_hash.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

// The two CipherStates Split() returns: c1 encrypts initiator → responder,
// c2 responder → initiator.
struct SplitCiphers {
  CipherState c1;
  CipherState c2;
};

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name): h = the name zero-padded to HASHLEN if
  // it fits, else HASH(name); ck = h; no cipher key. `hash` and `cipher` are
  // the ones the name says (HandshakeState parses it). Fails with kCrypto
  // for AESGCM without AES-NI.
  static Result<SymmetricState> Initialize(NoiseHash hash, NoiseCipher cipher,
                                           std::string_view protocol_name);

  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  // ck, temp_k = HKDF(ck, ikm, 2); k = temp_k (first 32 bytes), n = 0.
  void MixKey(ByteSpan input_key_material);
  // h = HASH(h || data).
  void MixHash(ByteSpan data);
  // ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); k = temp_k.
  // Used by "psk" tokens.
  void MixKeyAndHash(ByteSpan input_key_material);
  bool HasKey() const { return cipher_.HasKey(); }
  // h: HASHLEN bytes. After the last handshake message it names the session.
  ByteSpan GetHandshakeHash() const { return ByteSpan(h_.data(), hash_len_); }

  // Appends EncryptWithAd(h, plaintext) to `out`, then MixHash(ciphertext).
  Result<void> EncryptAndHash(ByteSpan plaintext, Bytes& out);
  // Appends DecryptWithAd(h, ciphertext) to `out`, then MixHash(ciphertext).
  Result<void> DecryptAndHash(ByteSpan ciphertext, Bytes& out);
  // temp_k1, temp_k2 = HKDF(ck, empty, 2); two CipherStates keyed with them.
  // Wipes ck afterwards: the handshake is over.
  Result<SplitCiphers> Split();

 private:
  SymmetricState(NoiseHash hash, SecretBytes secrets, CipherState cipher);
  std::span<std::uint8_t> Slot(std::size_t index);

  NoiseHash hash_;
  std::size_t hash_len_;
  // Four HASHLEN slots: [0] ck, [1] HKDF scratch, [2] and [3] HKDF outputs.
  SecretBytes secrets_;
  CipherState cipher_;
  std::array<std::uint8_t, kMaxHashLen> h_{};
};

}  // namespace shoal::net
