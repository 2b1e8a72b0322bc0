// HandshakeState (Noise rev 34, §5.3): runs one handshake pattern
// (net/noise/handshake_pattern.h) for one side, message by message, then
// splits into the two transport CipherStates.
//
//   auto hs = HandshakeState::Create({.protocol_name = kXx, .role = Role::kInitiator,
//                                     .prologue = preamble, .static_private_key = key});
//   hs->WriteMessage(payload, out); ... hs->ReadMessage(in); ...
//   if (hs->IsComplete()) auto ciphers = hs->Split();
//
// Contracts:
//  * Any failure (bad MAC, low-order key, short message) fails the whole
//    handshake: every later call returns an error. Start over on a new
//    connection; never retry a message.
//  * Split() works once, after the last message; a second pair of
//    CipherStates with the same keys would reuse nonces.
//  * remote_static() is the peer's static public key, authenticated only
//    once the handshake is complete; the caller decides whether it is a
//    paired device.
// Secrets (s, e, psks, ck) live in SecretBytes owned here. Move-only; one
// thread at a time (the session's loop thread).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/cipher_state.h"
#include "net/noise/dh.h"
#include "net/noise/handshake_pattern.h"
#include "net/noise/secret_bytes.h"
#include "net/noise/symmetric_state.h"

namespace shoal::net {

inline constexpr std::string_view kNoiseXx = "Noise_XX_25519_ChaChaPoly_SHA256";
inline constexpr std::string_view kNoiseXxPsk3 = "Noise_XXpsk3_25519_ChaChaPoly_SHA256";
// The same handshakes with AESGCM, chosen when both ends have AES-NI
// (docs/protocol.md "Cipher negotiation").
inline constexpr std::string_view kNoiseXxAesGcm = "Noise_XX_25519_AESGCM_SHA256";
inline constexpr std::string_view kNoiseXxPsk3AesGcm = "Noise_XXpsk3_25519_AESGCM_SHA256";

enum class Role { kInitiator, kResponder };

// Everything Create() needs. Byte spans are borrowed for the call only:
// secret inputs are copied into SecretBytes, so the caller keeps (and
// wipes) its own copies.
struct HandshakeConfig {
  std::string_view protocol_name;
  Role role = Role::kInitiator;
  // Both sides must pass identical bytes (Shoal: the cleartext preamble).
  ByteSpan prologue;
  // 32-byte X25519 private key; required when the pattern uses ours.
  ByteSpan static_private_key;
  // The peer's static public key when the pattern has it as a pre-message
  // (IK initiator); refused when the pattern transmits it instead.
  std::optional<PublicKey> remote_static;
  // One 32-byte key per psk token, consumed in order.
  std::vector<ByteSpan> psks;
  // The ephemeral private key to use instead of a random one: the published
  // vectors, and a paired initiator that sent its ephemeral key as message 1
  // before it knew the prologue (HandshakeDriver). Never reuse one across
  // handshakes. Empty otherwise.
  ByteSpan ephemeral_private_key;
};

// This side's view of Split(): send encrypts what we write, receive
// decrypts what the peer wrote.
struct TransportCiphers {
  CipherState send;
  CipherState receive;
};

class HandshakeState {
 public:
  // Fails with kInvalidArgument when the protocol is unsupported or a key the
  // pattern needs is missing or of the wrong size; with kCrypto for an AESGCM
  // protocol on a CPU without AES-NI.
  static Result<HandshakeState> Create(const HandshakeConfig& config);

  HandshakeState(HandshakeState&&) noexcept = default;
  HandshakeState& operator=(HandshakeState&&) noexcept = default;

  // Appends the next handshake message, carrying `payload`, to `message`.
  // Fails with kInvalidArgument when it is not our turn; with kCrypto on a
  // DH with a low-order key. On failure `message` is unchanged.
  Result<void> WriteMessage(ByteSpan payload, Bytes& message);
  // Consumes the peer's next handshake message and returns its payload.
  // Fails with kProtocol when the message is malformed, kCrypto when it
  // does not authenticate.
  Result<Bytes> ReadMessage(ByteSpan message);

  // True when the next step is WriteMessage (false once complete or failed).
  bool IsMyTurn() const;
  bool IsComplete() const;
  bool HasFailed() const { return failed_; }
  Role role() const { return role_; }
  const Protocol& protocol() const { return protocol_; }

  // The transport CipherStates for this side. Once, after completion.
  Result<TransportCiphers> Split();
  // h (HASHLEN bytes). Final once IsComplete(): equal on both sides, unique
  // to this session, suitable for channel binding and comparison codes.
  ByteSpan handshake_hash() const { return symmetric_.GetHandshakeHash(); }
  // The peer's static public key once received (or given up front).
  const std::optional<PublicKey>& remote_static() const { return remote_static_; }

 private:
  HandshakeState(Protocol protocol, Role role, SymmetricState symmetric);
  Result<void> CheckTurn(bool writing) const;
  Result<void> WriteTokens(ByteSpan payload, Bytes& message);
  Result<void> ReadTokens(ByteSpan message, Bytes& payload);
  Result<void> WriteEphemeral(Bytes& message);
  Result<void> MixDh(Token token);
  void MixPsk();
  void MixPremessages();

  Protocol protocol_;
  Role role_;
  SymmetricState symmetric_;
  std::optional<KeyPair> local_static_;
  std::optional<KeyPair> local_ephemeral_;
  std::optional<PublicKey> remote_static_;
  std::optional<PublicKey> remote_ephemeral_;
  std::vector<SecretBytes> psks_;
  std::size_t next_psk_ = 0;
  SecretBytes fixed_ephemeral_;  // tests only; empty otherwise
  SecretBytes dh_output_;        // scratch for each DH result
  std::size_t message_index_ = 0;
  bool failed_ = false;
  bool split_ = false;
};

}  // namespace shoal::net
