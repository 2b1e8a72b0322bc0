#include "net/wire/preamble.h"

#include <algorithm>
#include <string>

namespace shoal::net::wire {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {'S', 'H', 'O', 'L'};

}  // namespace

std::array<std::uint8_t, kPreambleSize> EncodePreamble(const Preamble& preamble) {
  return {kMagic[0],
          kMagic[1],
          kMagic[2],
          kMagic[3],
          static_cast<std::uint8_t>(preamble.version >> 8),
          static_cast<std::uint8_t>(preamble.version),
          static_cast<std::uint8_t>(preamble.handshake),
          preamble.version == kProtocolVersionChaChaOnly ? std::uint8_t{0} : preamble.ciphers};
}

Result<Preamble> ParsePreamble(ByteSpan bytes) {
  if (bytes.size() != kPreambleSize) {
    return Fail(ErrorCode::kProtocol,
                "preamble: expected 8 bytes, got " + std::to_string(bytes.size()));
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return Fail(ErrorCode::kProtocol, "preamble: not a Shoal peer (wrong magic)");
  }
  Preamble p;
  p.version = static_cast<std::uint16_t>(bytes[4] << 8 | bytes[5]);
  if (p.version > kProtocolVersion) {
    return Fail(ErrorCode::kProtocol, "preamble: peer speaks protocol version " +
                                          std::to_string(p.version) + ", newer than ours (" +
                                          std::to_string(kProtocolVersion) + ")");
  }
  if (p.version == 0) return Fail(ErrorCode::kProtocol, "preamble: protocol version 0");
  if (bytes[6] != static_cast<std::uint8_t>(HandshakeType::kPaired) &&
      bytes[6] != static_cast<std::uint8_t>(HandshakeType::kPairing)) {
    return Fail(ErrorCode::kProtocol,
                "preamble: unknown handshake type " + std::to_string(bytes[6]));
  }
  p.handshake = static_cast<HandshakeType>(bytes[6]);
  if (p.version == kProtocolVersionChaChaOnly) {
    if (bytes[7] != 0) return Fail(ErrorCode::kProtocol, "preamble: reserved byte is not 0");
    p.ciphers = kOfferChaChaPoly;
    return p;
  }
  // Every version 2 peer can fall back to ChaChaPoly, so an offer without it
  // is malformed rather than merely unsatisfiable.
  if ((bytes[7] & kOfferChaChaPoly) == 0) {
    return Fail(ErrorCode::kProtocol,
                "preamble: cipher offer " + std::to_string(bytes[7]) + " lacks ChaChaPoly");
  }
  p.ciphers = bytes[7];
  return p;
}

}  // namespace shoal::net::wire
