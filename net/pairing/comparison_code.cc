#include "net/pairing/comparison_code.h"

#include "core/base/check.h"
#include "net/noise/noise_hash.h"

namespace shoal::net {
namespace {

ByteSpan Label(std::string_view label) {
  return {reinterpret_cast<const std::uint8_t*>(label.data()), label.size()};
}

}  // namespace

PairingCommitment CommitToNonce(ByteSpan handshake_hash, const PairingNonce& joiner_nonce) {
  SHOAL_CHECK(!handshake_hash.empty(), "CommitToNonce: empty handshake hash");
  PairingCommitment commitment{};
  Hmac(NoiseHash::kSha256, handshake_hash, Label(kPairingCommitLabel), joiner_nonce, commitment);
  return commitment;
}

std::string ComparisonCode(ByteSpan handshake_hash, const PairingNonce& joiner_nonce,
                           const PairingNonce& inviter_nonce) {
  SHOAL_CHECK(!handshake_hash.empty(), "ComparisonCode: empty handshake hash");
  std::array<std::uint8_t, 2 * kPairingNonceSize> nonces{};
  std::copy(joiner_nonce.begin(), joiner_nonce.end(), nonces.begin());
  std::copy(inviter_nonce.begin(), inviter_nonce.end(), nonces.begin() + kPairingNonceSize);
  std::array<std::uint8_t, 32> mac{};
  Hmac(NoiseHash::kSha256, handshake_hash, Label(kComparisonCodeLabel), nonces, mac);
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | mac[i];
  // The bias of reducing 2^64 values mod 10^6 is below 2^-44: negligible.
  const std::string digits = std::to_string(1'000'000 + value % 1'000'000).substr(1);
  return digits.substr(0, 3).append(" ").append(digits.substr(3));
}

std::optional<std::string> ParseComparisonCode(std::string_view typed) {
  std::string digits;
  for (char c : typed) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '\t') {
      return std::nullopt;
    }
  }
  if (digits.size() != 6) return std::nullopt;
  return digits.substr(0, 3).append(" ").append(digits.substr(3));
}

}  // namespace shoal::net
