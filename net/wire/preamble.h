// Preamble: the 8 cleartext bytes each side sends before the Noise handshake
// (docs/protocol.md "Preamble"). The initiator's preamble is the Noise
// prologue; the responder echoes it when it accepts, or sends its own (with
// the version it speaks) and closes when it does not.
//
//   offset 0  4 bytes  magic "SHOL"
//   offset 4  u16 BE   protocol version (kProtocolVersion)
//   offset 6  u8       handshake type (HandshakeType)
//   offset 7  u8       reserved, 0
#pragma once

#include <array>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net::wire {

inline constexpr std::size_t kPreambleSize = 8;
inline constexpr std::uint16_t kProtocolVersion = 1;

enum class HandshakeType : std::uint8_t {
  kPaired = 1,   // Noise_XX_25519_ChaChaPoly_SHA256
  kPairing = 2,  // Noise_XXpsk3_25519_ChaChaPoly_SHA256
};

struct Preamble {
  std::uint16_t version = kProtocolVersion;
  HandshakeType handshake = HandshakeType::kPaired;
  friend bool operator==(const Preamble&, const Preamble&) = default;
};

std::array<std::uint8_t, kPreambleSize> EncodePreamble(const Preamble& preamble);

// Fails with kProtocol: "not a Shoal peer" on a wrong magic, a message naming
// the peer's version when it is newer than ours (or 0), and on an unknown
// handshake type or a nonzero reserved byte. `bytes` must be exactly 8 bytes.
Result<Preamble> ParsePreamble(ByteSpan bytes);

}  // namespace shoal::net::wire
