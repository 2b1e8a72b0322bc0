// The Noise hash functions and what the spec builds on them (Noise rev 34,
// §4.3 and §5.2): HASH, HMAC (RFC 2104) and the two- or three-output HKDF.
// SHA256 uses libsodium's SHA-256 and HMAC-SHA-256; BLAKE2b uses libsodium's
// unkeyed 64-byte BLAKE2b, with HMAC built here over its 128-byte block.
//
// These functions cannot fail for valid arguments: a wrong output size is a
// programming error and aborts. Intermediate secrets on the stack (HMAC
// pads, hash states) are wiped before returning; the caller passes outputs
// that it keeps in secret memory when they are keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/base/bytes.h"

namespace shoal::net {

enum class NoiseHash { kSha256, kBlake2b };

inline constexpr std::size_t kMaxHashLen = 64;

// HASHLEN: 32 for SHA256, 64 for BLAKE2b.
std::size_t HashLen(NoiseHash hash);
// The name used in protocol names: "SHA256", "BLAKE2b".
std::string_view HashName(NoiseHash hash);
std::optional<NoiseHash> ParseHashName(std::string_view name);

// out = HASH(a || b); `out` is HashLen bytes and may alias `a` or `b`.
void Hash(NoiseHash hash, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out);

// out = HMAC-HASH(key, a || b); `out` is HashLen bytes and may alias `a` or `b`.
void Hmac(NoiseHash hash, ByteSpan key, ByteSpan a, ByteSpan b, std::span<std::uint8_t> out);

// HKDF(chaining_key, input_key_material, num_outputs) of §4.3, with
// num_outputs = outputs.size() (2 or 3), each output HashLen bytes.
// `temp_key` is HashLen bytes of caller scratch (keep it in secret memory); it
// is wiped before returning. outputs[0] may alias `chaining_key`, which is
// read only before any output is written.
void Hkdf(NoiseHash hash, ByteSpan chaining_key, ByteSpan input_key_material,
          std::span<std::uint8_t> temp_key, std::span<const std::span<std::uint8_t>> outputs);

}  // namespace shoal::net
