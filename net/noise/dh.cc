#include "net/noise/dh.h"

#include <sodium.h>

#include "core/base/check.h"

namespace shoal::net {

static_assert(crypto_scalarmult_BYTES == kDhLen && crypto_scalarmult_SCALARBYTES == kDhLen);

Result<KeyPair> GenerateKeyPair() {
  auto private_key = SecretBytes::Allocate(kDhLen);
  if (!private_key) return private_key.error();
  randombytes_buf(private_key->data(), kDhLen);
  auto public_key = DerivePublicKey(private_key->view());
  if (!public_key) return public_key.error();
  return KeyPair{std::move(*private_key), *public_key};
}

Result<KeyPair> KeyPairFromPrivate(ByteSpan private_key) {
  auto public_key = DerivePublicKey(private_key);
  if (!public_key) return public_key.error();
  auto copy = SecretBytes::CopyOf(private_key);
  if (!copy) return copy.error();
  return KeyPair{std::move(*copy), *public_key};
}

Result<PublicKey> DerivePublicKey(ByteSpan private_key) {
  if (private_key.size() != kDhLen) {
    return Fail(ErrorCode::kInvalidArgument,
                "X25519 private key must be 32 bytes, got " + std::to_string(private_key.size()));
  }
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  PublicKey public_key{};
  // libsodium 1.0.18 never fails here (clamping makes every scalar valid);
  // checked anyway, as every C return code is.
  if (crypto_scalarmult_base(public_key.data(), private_key.data()) != 0) {
    return Fail(ErrorCode::kCrypto, "X25519 public key derivation failed");
  }
  return public_key;
}

Result<void> Dh(ByteSpan private_key, const PublicKey& public_key, std::span<std::uint8_t> shared) {
  SHOAL_CHECK(private_key.size() == kDhLen && shared.size() == kDhLen, "DH key sizes");
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  // libsodium returns -1 when the shared point is all zeros (low-order input).
  if (crypto_scalarmult(shared.data(), private_key.data(), public_key.data()) != 0) {
    sodium_memzero(shared.data(), shared.size());
    return Fail(ErrorCode::kCrypto, "DH with a low-order public key");
  }
  return {};
}

}  // namespace shoal::net
