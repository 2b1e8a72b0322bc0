// Comparison code (docs/protocol.md "Pairing"): six decimal digits, shown as
// "123 456", that both devices print after a pairing handshake so that their
// owners can check they paired with each other. Derived from the final Noise
// handshake hash h, which is equal on both sides and unique to the session:
//
//   mac  = HMAC-SHA256(key = h, message = "shoal/pair/compare/v1")
//   code = (first 8 bytes of mac as a big-endian u64) mod 10^6
//
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/base/bytes.h"

namespace shoal::net {

inline constexpr std::string_view kComparisonCodeLabel = "shoal/pair/compare/v1";

// "DDD DDD" (7 characters, leading zeros kept). `handshake_hash` must not be
// empty (checked).
std::string ComparisonCode(ByteSpan handshake_hash);

}  // namespace shoal::net
