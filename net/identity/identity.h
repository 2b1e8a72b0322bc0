// Identity: this device's long-term key material (DESIGN.md "Identity").
//
// `<home>/identity.key` holds a 32-byte master seed and nothing else, mode
// 0600. Everything else is derived from the seed, never stored:
//   noise static private key = crypto_kdf_derive_from_key(32, id 1, "shoalid1", seed)
//   noise static public key  = X25519 base point · private key
//   device ID                = the public key (core/model/device_id.h)
// Other subkey IDs under the "shoalid1" context are free for future keys.
//
// The seed and the private key live in SecretBytes (sodium_malloc, wiped on
// destruction) and are never logged. Move-only; immutable after creation, so
// any thread may read it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/device_id.h"
#include "net/noise/dh.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

class Identity {
 public:
  static constexpr std::string_view kFileName = "identity.key";
  static constexpr std::size_t kSeedSize = 32;

  // Writes a fresh random seed to <home>/identity.key: temp file (O_EXCL,
  // 0600), fsync, rename without replacing, fsync of the directory. Fails
  // with kConflict when the file already exists (never overwrites a key),
  // kIo when the home directory is missing or unwritable.
  static Result<Identity> Create(const std::string& home);
  // Reads <home>/identity.key; never creates it. Fails with kNotFound when it
  // is missing, kUnauthorized when group or others have any access to it
  // (the message says how to fix it), kCorrupt when it is not a regular file
  // of exactly 32 bytes.
  static Result<Identity> Load(const std::string& home);
  // Load(), or Create() when there is no key yet (first start of a daemon).
  static Result<Identity> LoadOrCreate(const std::string& home);
  // The identity derived from `seed` (32 bytes); no file involved.
  static Result<Identity> FromSeed(ByteSpan seed);

  const DeviceId& device_id() const { return device_id_; }
  // The X25519 Noise static key pair. The private key stays in this object's
  // secret memory; the span is valid while the Identity lives.
  ByteSpan noise_private_key() const { return noise_private_key_.view(); }
  const PublicKey& noise_public_key() const { return device_id_.bytes(); }

 private:
  Identity(SecretBytes seed, SecretBytes noise_private_key, DeviceId device_id)
      : seed_(std::move(seed)),
        noise_private_key_(std::move(noise_private_key)),
        device_id_(device_id) {}

  SecretBytes seed_;
  SecretBytes noise_private_key_;
  DeviceId device_id_;
};

}  // namespace shoal::net
