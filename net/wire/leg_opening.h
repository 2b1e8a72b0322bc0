// Leg openings (docs/protocol.md "Two legs"): the first 42 bytes of a
// connection to a relayed address, which is all a responder reads before
// deciding what the connection is.
//
// A paired initiator's first bytes are its preamble and handshake message 1,
// the frame of its ephemeral key in clear: 8 + 2 + 32 bytes. With
// kOfferTwoLegs set in that preamble, it also opens a second connection and
// sends on it the same 42 bytes with handshake type 3 (kSecondLegType) and a
// zero byte 7. The ephemeral key, fresh per session and unguessable, pairs
// the two; nothing else is ever sent on the second leg by the initiator.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/wire/frame.h"
#include "net/wire/preamble.h"

namespace shoal::net::wire {

inline constexpr std::size_t kLegTokenSize = 32;
inline constexpr std::size_t kLegOpeningSize = kPreambleSize + kFrameHeaderSize + kLegTokenSize;
inline constexpr std::uint8_t kSecondLegType = 3;

using LegToken = std::array<std::uint8_t, kLegTokenSize>;

enum class LegKind {
  kSingle,     // anything else: a session of its own, as every peer before two legs sends
  kFirstLeg,   // a paired preamble offering two legs: its token follows
  kSecondLeg,  // a second leg's opening: its token follows
};

// What a connection's first 8 bytes say it is. Malformed bytes are kSingle:
// the session that reads them says what is wrong.
LegKind ClassifyOpening(ByteSpan preamble);
// The token in a first or second leg's 42 opening bytes; fails with
// kProtocol when the frame is not a 32-byte one.
Result<LegToken> OpeningToken(ByteSpan opening);
// A second leg's opening for the session whose ephemeral key is `token`.
std::array<std::uint8_t, kLegOpeningSize> EncodeSecondLegOpening(const LegToken& token);

}  // namespace shoal::net::wire
