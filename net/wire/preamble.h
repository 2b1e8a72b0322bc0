// Preamble: the 8 cleartext bytes each side sends before the Noise handshake
// (docs/protocol.md "Preamble" and "Cipher negotiation").
//
//   offset 0  4 bytes  magic "SHOL"
//   offset 4  u16 BE   protocol version (1 or kProtocolVersion = 2)
//   offset 6  u8       handshake type (HandshakeType)
//   offset 7  u8       version 2: the ciphers this side offers (CipherOffer
//                      bits, ChaChaPoly always among them); version 1: 0
//
// Version 2 initiators send theirs and the responder answers with its own;
// the Noise prologue is initiator preamble || responder preamble, and the
// cipher is AESGCM iff both offer it. Version 1 peers (ChaChaPoly only) had
// the responder echo the initiator's bytes, which were the whole prologue;
// responders still accept that (see HandshakeDriver).
#pragma once

#include <array>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net::wire {

inline constexpr std::size_t kPreambleSize = 8;
inline constexpr std::uint16_t kProtocolVersion = 2;
// The version before cipher negotiation: byte 7 reserved (0), ChaChaPoly.
inline constexpr std::uint16_t kProtocolVersionChaChaOnly = 1;

enum class HandshakeType : std::uint8_t {
  kPaired = 1,   // Noise_XX_25519_<cipher>_SHA256
  kPairing = 2,  // Noise_XXpsk3_25519_<cipher>_SHA256
};

// Bits of byte 7 (version 2). Unknown bits are kept (they are part of the
// prologue) but carry no meaning, so a later cipher can be offered to a
// peer that does not know it.
inline constexpr std::uint8_t kOfferChaChaPoly = 0x01;  // mandatory
inline constexpr std::uint8_t kOfferAesGcm = 0x02;
// Not a cipher: the sender decodes block-list deltas in index entries
// (docs/protocol.md "Block-list deltas"), so its peer may send them. Older
// version 2 peers neither set nor read it.
inline constexpr std::uint8_t kOfferBlockDeltas = 0x04;
// Not a cipher: the sender's Hello has an address list and it reads one in
// the peer's. The list is on the wire only when both preambles set this bit.
inline constexpr std::uint8_t kOfferHelloAddresses = 0x08;
// Not a cipher: the sender takes part in TCP hole punching (Punch messages,
// docs/protocol.md "Hole punching"). Punch is sent only to a peer that
// offers it; one that arrives from a peer that did not is a protocol error.
inline constexpr std::uint8_t kOfferPunch = 0x10;
// Not a cipher: on a pairing connection the sender runs the comparison
// exchange (docs/protocol.md "Comparison code": PairAccept carries a
// commitment or a nonce, then PairReveal). Required on pairing connections:
// a pairing preamble without it is refused, so that a man in the middle
// cannot fall back to a comparison code he could grind.
inline constexpr std::uint8_t kOfferPairingCommitment = 0x20;

// Not a cipher: two legs (docs/protocol.md "Two legs"). From an initiator
// (paired handshakes over a relay only): a second connection from it, whose
// opening names this session (net/wire/leg_opening.h), is on its way. From
// a responder, whose preamble itself goes on the first connection: it took
// that leg, and everything it sends after this preamble goes there.
inline constexpr std::uint8_t kOfferTwoLegs = 0x40;

struct Preamble {
  std::uint16_t version = kProtocolVersion;
  HandshakeType handshake = HandshakeType::kPaired;
  // Version 2: the CipherOffer bits; version 1: always kOfferChaChaPoly
  // (encoded as 0).
  std::uint8_t ciphers = kOfferChaChaPoly;
  friend bool operator==(const Preamble&, const Preamble&) = default;
};

std::array<std::uint8_t, kPreambleSize> EncodePreamble(const Preamble& preamble);

// Fails with kProtocol: "not a Shoal peer" on a wrong magic, a message naming
// the peer's version when it is newer than ours (or 0), on an unknown
// handshake type, a nonzero byte 7 in version 1 and an offer without
// ChaChaPoly in version 2. `bytes` must be exactly 8 bytes.
Result<Preamble> ParsePreamble(ByteSpan bytes);

}  // namespace shoal::net::wire
