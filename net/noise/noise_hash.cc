#include "net/noise/noise_hash.h"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "core/base/check.h"

namespace shoal::net {
namespace {

constexpr std::size_t kBlake2bLen = 64;
constexpr std::size_t kBlake2bBlockLen = 128;  // HMAC's B for BLAKE2b (spec §4.3)

// libsodium marks some pointer arguments nonnull even when their length is
// zero; an empty span may carry nullptr, so pass a harmless address instead.
const std::uint8_t* NonNull(ByteSpan bytes) {
  static constexpr std::uint8_t kNothing = 0;
  return bytes.empty() ? &kNothing : bytes.data();
}

// Incremental unkeyed BLAKE2b-512 over up to three parts.
void Blake2b(ByteSpan a, ByteSpan b, ByteSpan c, std::span<std::uint8_t> out) {
  SHOAL_CHECK(out.size() == kBlake2bLen, "BLAKE2b output must be 64 bytes");
  crypto_generichash_state state;
  SHOAL_CHECK(crypto_generichash_init(&state, nullptr, 0, kBlake2bLen) == 0, "blake2b init");
  for (ByteSpan part : {a, b, c}) {
    if (part.empty()) continue;
    SHOAL_CHECK(crypto_generichash_update(&state, part.data(), part.size()) == 0, "blake2b");
  }
  SHOAL_CHECK(crypto_generichash_final(&state, out.data(), kBlake2bLen) == 0, "blake2b final");
  sodium_memzero(&state, sizeof state);
}

// RFC 2104 over BLAKE2b: H((K ^ opad) || H((K ^ ipad) || text)).
void HmacBlake2b(ByteSpan key, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out) {
  std::array<std::uint8_t, kBlake2bBlockLen> pad{};
  std::array<std::uint8_t, kBlake2bLen> digest{};
  if (key.size() > kBlake2bBlockLen) {
    Blake2b(key, {}, {}, std::span(pad).first(kBlake2bLen));  // long keys are hashed first
  } else {
    std::copy(key.begin(), key.end(), pad.begin());
  }
  for (auto& byte : pad) byte ^= 0x36;
  Blake2b(pad, a, b, digest);
  for (auto& byte : pad) byte ^= 0x36 ^ 0x5c;
  Blake2b(pad, digest, {}, out);
  sodium_memzero(pad.data(), pad.size());
  sodium_memzero(digest.data(), digest.size());
}

void HmacSha256(ByteSpan key, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out) {
  SHOAL_CHECK(out.size() == crypto_auth_hmacsha256_BYTES, "HMAC-SHA256 output must be 32 bytes");
  crypto_auth_hmacsha256_state state;
  SHOAL_CHECK(crypto_auth_hmacsha256_init(&state, NonNull(key), key.size()) == 0, "hmac init");
  for (ByteSpan part : {a, b}) {
    if (part.empty()) continue;
    SHOAL_CHECK(crypto_auth_hmacsha256_update(&state, part.data(), part.size()) == 0, "hmac");
  }
  SHOAL_CHECK(crypto_auth_hmacsha256_final(&state, out.data()) == 0, "hmac final");
  sodium_memzero(&state, sizeof state);  // holds the keyed inner and outer states
}

}  // namespace

std::size_t HashLen(NoiseHash hash) {
  return hash == NoiseHash::kSha256 ? crypto_hash_sha256_BYTES : kBlake2bLen;
}

std::string_view HashName(NoiseHash hash) {
  return hash == NoiseHash::kSha256 ? "SHA256" : "BLAKE2b";
}

std::optional<NoiseHash> ParseHashName(std::string_view name) {
  if (name == "SHA256") return NoiseHash::kSha256;
  if (name == "BLAKE2b") return NoiseHash::kBlake2b;
  return std::nullopt;
}

void Hash(NoiseHash hash, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out) {
  if (hash == NoiseHash::kBlake2b) {
    Blake2b(a, b, {}, out);
    return;
  }
  SHOAL_CHECK(out.size() == crypto_hash_sha256_BYTES, "SHA256 output must be 32 bytes");
  crypto_hash_sha256_state state;
  SHOAL_CHECK(crypto_hash_sha256_init(&state) == 0, "sha256 init");
  for (ByteSpan part : {a, b}) {
    if (part.empty()) continue;
    SHOAL_CHECK(crypto_hash_sha256_update(&state, part.data(), part.size()) == 0, "sha256");
  }
  SHOAL_CHECK(crypto_hash_sha256_final(&state, out.data()) == 0, "sha256 final");
  sodium_memzero(&state, sizeof state);
}

void Hmac(NoiseHash hash, ByteSpan key, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out) {
  if (hash == NoiseHash::kBlake2b) {
    HmacBlake2b(key, a, b, out);
  } else {
    HmacSha256(key, a, b, out);
  }
}

void Hkdf(NoiseHash hash, ByteSpan chaining_key, ByteSpan input_key_material,
          std::span<std::uint8_t> temp_key, std::span<const std::span<std::uint8_t>> outputs) {
  const std::size_t len = HashLen(hash);
  SHOAL_CHECK(temp_key.size() == len, "HKDF scratch must be HASHLEN bytes");
  SHOAL_CHECK(outputs.size() == 2 || outputs.size() == 3, "HKDF makes 2 or 3 outputs");
  Hmac(hash, chaining_key, input_key_material, {}, temp_key);
  // output_i = HMAC(temp_key, output_{i-1} || byte(i)), with output_0 empty.
  ByteSpan previous;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    SHOAL_CHECK(outputs[i].size() == len, "HKDF output must be HASHLEN bytes");
    const std::uint8_t counter = static_cast<std::uint8_t>(i + 1);
    Hmac(hash, temp_key, previous, ByteSpan(&counter, 1), outputs[i]);
    previous = outputs[i];
  }
  sodium_memzero(temp_key.data(), temp_key.size());
}

}  // namespace shoal::net
