// The pre-shared key of a pairing handshake (Noise_XXpsk3, DESIGN.md
// "Pairing"): psk = HMAC-SHA256(key = invite secret, "shoal/pair/psk/v1").
// Both devices derive it from the invite code's 128-bit secret; the label
// keeps this use of the secret apart from any other (e.g. the LAN tag).
#pragma once

#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

inline constexpr std::string_view kPairingPskLabel = "shoal/pair/psk/v1";

// The 32-byte psk in secret memory. Fails with kInvalidArgument on an empty
// secret (a programming error upstream: invite secrets are 16 bytes).
Result<SecretBytes> DerivePairingPsk(ByteSpan invite_secret);

}  // namespace shoal::net
