#include "net/noise/pairing_psk.h"

#include "net/noise/noise_hash.h"

namespace shoal::net {

Result<SecretBytes> DerivePairingPsk(ByteSpan invite_secret) {
  if (invite_secret.empty())
    return Fail(ErrorCode::kInvalidArgument, "pairing: empty invite secret");
  auto psk = SecretBytes::Allocate(HashLen(NoiseHash::kSha256));
  if (!psk) return psk.error();
  auto label = ByteSpan(reinterpret_cast<const std::uint8_t*>(kPairingPskLabel.data()),
                        kPairingPskLabel.size());
  Hmac(NoiseHash::kSha256, invite_secret, label, {}, psk->span());
  return psk;
}

}  // namespace shoal::net
