// Comparison code (docs/protocol.md "Pairing", "Comparison code"): six
// decimal digits, shown as "123 456", that both devices print after pairing
// so that their owners can check they paired with each other.
//
// Derived from the final Noise handshake hash h (equal on both sides, unique
// to the session) and two 32-byte nonces, one drawn by each device, that
// were exchanged under a commitment (net/pairing/comparison_exchange.h):
// the joiner commits to its nonce before it sees the inviter's, so neither
// side can choose its contribution to the code after seeing the other's.
//
//   commitment = HMAC-SHA256(key = h, "shoal/pair/commit/v2" || joiner nonce)
//   mac        = HMAC-SHA256(key = h, "shoal/pair/compare/v2" || joiner nonce
//                                                               || inviter nonce)
//   code       = (first 8 bytes of mac as a big-endian u64) mod 10^6
//
// Pure; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/bytes.h"

namespace shoal::net {

inline constexpr std::size_t kPairingNonceSize = 32;
inline constexpr std::size_t kPairingCommitmentSize = 32;
inline constexpr std::string_view kPairingCommitLabel = "shoal/pair/commit/v2";
inline constexpr std::string_view kComparisonCodeLabel = "shoal/pair/compare/v2";

using PairingNonce = std::array<std::uint8_t, kPairingNonceSize>;
using PairingCommitment = std::array<std::uint8_t, kPairingCommitmentSize>;

// The joiner's commitment to `joiner_nonce` in the session whose handshake
// hash is `handshake_hash` (not empty, checked).
PairingCommitment CommitToNonce(ByteSpan handshake_hash, const PairingNonce& joiner_nonce);

// "DDD DDD" (7 characters, leading zeros kept). `handshake_hash` must not be
// empty (checked).
std::string ComparisonCode(ByteSpan handshake_hash, const PairingNonce& joiner_nonce,
                           const PairingNonce& inviter_nonce);

// A code as a user types it back ("123456", "123 456", "123-456") in the
// display form "123 456", or nullopt when it is not six digits.
std::optional<std::string> ParseComparisonCode(std::string_view typed);

}  // namespace shoal::net
