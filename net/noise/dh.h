// Curve25519 Diffie-Hellman for Noise ("25519", spec §12.1) on libsodium.
// Private keys are 32-byte scalars (clamped by libsodium when used) and live
// in SecretBytes; public keys are plain values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

inline constexpr std::size_t kDhLen = 32;
using PublicKey = std::array<std::uint8_t, kDhLen>;

// A key pair; the private half is in secret memory.
struct KeyPair {
  SecretBytes private_key;
  PublicKey public_key{};
};

// A fresh key pair from libsodium's CSPRNG.
Result<KeyPair> GenerateKeyPair();
// The key pair whose private key is a copy of `private_key` (32 bytes).
Result<KeyPair> KeyPairFromPrivate(ByteSpan private_key);
// public = private · basepoint. Fails with kInvalidArgument on a wrong size.
Result<PublicKey> DerivePublicKey(ByteSpan private_key);

// shared = DH(private_key, public_key), written to `shared` (32 bytes, which
// should be secret memory). Fails with kCrypto when the result is all zeros,
// i.e. `public_key` is a low-order point: a peer sending one would otherwise
// make the "secret" predictable.
Result<void> Dh(ByteSpan private_key, const PublicKey& public_key, std::span<std::uint8_t> shared);

}  // namespace shoal::net
