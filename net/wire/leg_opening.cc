#include "net/wire/leg_opening.h"

#include <algorithm>

namespace shoal::net::wire {

LegKind ClassifyOpening(ByteSpan preamble) {
  if (preamble.size() != kPreambleSize) return LegKind::kSingle;
  const auto ours = EncodePreamble({.version = kProtocolVersion});
  if (!std::equal(ours.begin(), ours.begin() + 6, preamble.begin())) return LegKind::kSingle;
  if (preamble[6] == kSecondLegType) return LegKind::kSecondLeg;
  if (preamble[6] == static_cast<std::uint8_t>(HandshakeType::kPaired) &&
      (preamble[7] & kOfferTwoLegs) != 0) {
    return LegKind::kFirstLeg;
  }
  return LegKind::kSingle;
}

Result<LegToken> OpeningToken(ByteSpan opening) {
  if (opening.size() != kLegOpeningSize || opening[kPreambleSize] != 0 ||
      opening[kPreambleSize + 1] != kLegTokenSize) {
    return Fail(ErrorCode::kProtocol, "leg opening: not a 32-byte ephemeral key frame");
  }
  LegToken token;
  std::copy(opening.end() - kLegTokenSize, opening.end(), token.begin());
  return token;
}

std::array<std::uint8_t, kLegOpeningSize> EncodeSecondLegOpening(const LegToken& token) {
  std::array<std::uint8_t, kLegOpeningSize> out{};
  const auto preamble = EncodePreamble({.version = kProtocolVersion});
  std::copy(preamble.begin(), preamble.end(), out.begin());
  out[6] = kSecondLegType;
  out[7] = 0;
  out[kPreambleSize] = 0;
  out[kPreambleSize + 1] = kLegTokenSize;
  std::copy(token.begin(), token.end(), out.begin() + kPreambleSize + kFrameHeaderSize);
  return out;
}

}  // namespace shoal::net::wire
