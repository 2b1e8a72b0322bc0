// HandshakeDriver: one side's preamble exchange and Noise handshake
// (docs/protocol.md "Preamble", "Noise handshake", "State machine" 1–2),
// without any I/O: it consumes the peer's preamble and handshake frame
// bodies and appends what to send next (preamble bytes, framed handshake
// messages) to an output buffer.
//
//   initiator: Start(out) → preamble (+ message 1 when paired, see below)
//              OnPreamble(theirs, out) → picks the cipher, creates the
//                handshake state (+ message 1 when pairing)
//              OnFrame(message 2, out) → message 3; complete
//   responder: OnPreamble(theirs, out) → our preamble; picks the cipher,
//                creates the handshake state
//              OnFrame(message 1, out) → message 2
//              OnFrame(message 3, out) → complete
//
// Cipher (docs/protocol.md "Cipher negotiation"): each side offers
// ChaChaPoly, plus AESGCM when Config::offer_aes_gcm and the CPU has AES-NI;
// AESGCM is used iff both offer it. The prologue is initiator preamble ||
// responder preamble, so a rewritten offer fails message 2 (initiator) or 3
// (responder). Neither side can know the protocol name before both
// preambles are in, yet a paired initiator sends message 1 at once to save
// a round trip: XX's message 1 is its ephemeral key in clear whatever the
// name and prologue, so the initiator draws that key in Start() and replays
// it into the handshake state once it knows them (checked to give the same
// bytes). Pairing (XXpsk3) encrypts message 1, so it waits.
//
// A responder also accepts a version 1 preamble (peers from before the
// negotiation): it echoes it, uses ChaChaPoly and the initiator's 8 bytes
// as the prologue. An initiator speaks only version 2 (it never retries
// with 1: that would let an attacker fake an old peer to force ChaChaPoly).
//
// Handshake type: the initiator chooses (Config::type); the responder learns
// it from the initiator's preamble. Type 1 (paired) runs Noise_XX; type 2
// (pairing) runs Noise_XXpsk3 with the psk from Config::pairing_psk, which
// the initiator asks in Create() and the responder when it reads a pairing
// preamble. A responder without a psk (no active invite) refuses the
// preamble with kUnauthorized, "no active invite"; a psk that does not match
// the initiator's fails message 3 at the responder with kUnauthorized,
// "wrong invite code".
//
// Handshake payloads must be empty. Any failure is final. The static key and
// psk are copied into secret memory. One thread at a time (the session's
// loop).
#pragma once

#include <array>
#include <functional>
#include <optional>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/device_id.h"
#include "net/noise/handshake_state.h"
#include "net/noise/secret_bytes.h"
#include "net/wire/preamble.h"

namespace shoal::net {

// The active invite's pairing psk (32 bytes), or nullopt when there is none.
using PairingPskSource = std::function<std::optional<SecretBytes>()>;

class HandshakeDriver {
 public:
  struct Config {
    Role role = Role::kInitiator;
    // The initiator's choice; a responder accepts either (see above).
    wire::HandshakeType type = wire::HandshakeType::kPaired;
    ByteSpan static_private_key;  // 32 bytes; copied
    // Required by a pairing initiator; optional for a responder (without it,
    // pairing is refused). Called at most once, on the loop thread.
    PairingPskSource pairing_psk;
    // Whether to offer AESGCM; it is offered only where AesGcmAvailable() too.
    // Tests turn it off to play a peer without AES-NI.
    bool offer_aes_gcm = true;
    // Set kOfferTwoLegs in our preamble (docs/protocol.md "Two legs"): a
    // paired initiator with a second leg, a responder that writes on one.
    bool offer_two_legs = false;
  };

  static Result<HandshakeDriver> Create(const Config& config);

  // Initiator only: appends the preamble and handshake message 1.
  Result<void> Start(Bytes& out);
  // The peer's 8 preamble bytes. A responder that accepts appends the echo
  // to `out`; one that refuses appends its own preamble (so the peer learns
  // our version) and fails: send `out`, then close.
  Result<void> OnPreamble(ByteSpan preamble, Bytes& out);
  // One handshake frame body from the peer; appends our next frame, if any.
  Result<void> OnFrame(ByteSpan body, Bytes& out);

  // A paired initiator between Start() and the peer's preamble: the
  // ephemeral key message 1 carried (a second leg's token); else null.
  const PublicKey* early_ephemeral_public() const {
    return early_ephemeral_ ? &early_ephemeral_->public_key : nullptr;
  }
  bool complete() const { return state_ && state_->IsComplete(); }
  // The handshake type in use: the initiator's choice; for a responder, what
  // the peer's preamble asked for once accepted.
  wire::HandshakeType type() const { return config_.type; }
  // The cipher in use: known once the peer's preamble was accepted.
  NoiseCipher cipher() const { return cipher_; }
  // The peer's preamble says it decodes block-list deltas (kOfferBlockDeltas).
  bool peer_accepts_block_deltas() const { return (peer_offer_ & wire::kOfferBlockDeltas) != 0; }
  // Both preambles offer kOfferHelloAddresses (ours always does).
  bool hello_addresses() const { return (peer_offer_ & wire::kOfferHelloAddresses) != 0; }
  // Our preamble offers kOfferTwoLegs (Config::offer_two_legs).
  bool offers_two_legs() const { return (offer_ & wire::kOfferTwoLegs) != 0; }
  // The peer's preamble offers kOfferTwoLegs (docs/protocol.md "Two legs").
  bool peer_two_legs() const { return (peer_offer_ & wire::kOfferTwoLegs) != 0; }
  // Both preambles offer kOfferPunch (ours always does).
  bool punch() const { return (peer_offer_ & wire::kOfferPunch) != 0; }
  // Noise h; final once complete(), identical on both sides.
  ByteSpan handshake_hash() const;
  // After completion: this side's transport ciphers (once) and the peer.
  Result<TransportCiphers> Split();
  DeviceId peer() const;

 private:
  HandshakeDriver(Config config, SecretBytes key)
      : config_(std::move(config)), key_(std::move(key)) {}
  Result<void> TakePsk();
  Result<void> CreateState(ByteSpan peer_preamble, ByteSpan ephemeral_private_key);
  Result<void> InitiatorOnPreamble(ByteSpan preamble, Bytes& out);
  Result<void> WriteNext(Bytes& out);
  Result<void> Refuse(Bytes& out, Error error);

  Config config_;  // static_private_key is not kept: key_ holds the copy
  SecretBytes key_;
  SecretBytes psk_;                                           // pairing only
  std::array<std::uint8_t, wire::kPreambleSize> preamble_{};  // ours (or the v1 echo)
  std::uint8_t offer_ = wire::kOfferChaChaPoly;               // CipherOffer bits we send
  NoiseCipher cipher_ = NoiseCipher::kChaChaPoly;
  std::uint8_t peer_offer_ = 0;  // the peer's offer bits, once its preamble was accepted
  bool legacy_ = false;          // responder: the initiator spoke version 1
  // Paired initiator between Start() and the peer's preamble: the ephemeral
  // key pair whose public half went out as message 1.
  std::optional<KeyPair> early_ephemeral_;
  std::optional<HandshakeState> state_;
  int frames_read_ = 0;  // handshake frames from the peer
};

}  // namespace shoal::net
