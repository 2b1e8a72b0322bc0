#include "net/pairing/comparison_code.h"

#include <array>
#include <cstdint>

#include "core/base/check.h"
#include "net/noise/noise_hash.h"

namespace shoal::net {

std::string ComparisonCode(ByteSpan handshake_hash) {
  SHOAL_CHECK(!handshake_hash.empty(), "ComparisonCode: empty handshake hash");
  std::array<std::uint8_t, 32> mac{};
  const ByteSpan label(reinterpret_cast<const std::uint8_t*>(kComparisonCodeLabel.data()),
                       kComparisonCodeLabel.size());
  Hmac(NoiseHash::kSha256, handshake_hash, label, {}, mac);
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | mac[i];
  // The bias of reducing 2^64 values mod 10^6 is below 2^-44: negligible.
  const std::string digits = std::to_string(1'000'000 + value % 1'000'000).substr(1);
  return digits.substr(0, 3).append(" ").append(digits.substr(3));
}

}  // namespace shoal::net
