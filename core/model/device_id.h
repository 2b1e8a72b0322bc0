// DeviceId: a device's identity, its 32-byte X25519 Noise static public key
// (DESIGN.md "Identity"). Plain value; cheap to copy and compare.
//
// Text form: RFC 4648 base32 of the key (52 characters), cut into 4 parts of
// 13, each followed by its Luhn mod 32 check character (56 characters), shown
// as 8 groups of 7 joined by '-':
//   MFRGGZD-FMFRGGZ-DFMFRGG-ZDFMFRG-GZDFMFR-GGZDFMF-RGGZDFM-FRGGZDA
// Parse() is forgiving about presentation (lower case, missing dashes,
// spaces, 0/1/8 read as O/I/B) and strict about content: every single
// character typo and every adjacent transposition is rejected, except
// swapping 'A' and '7' inside a part, which Luhn mod 32 cannot detect (see
// core/base/base32.h).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal {

class DeviceId {
 public:
  static constexpr std::size_t kSize = 32;
  using Key = std::array<std::uint8_t, kSize>;

  DeviceId() = default;  // all zero; never a real device
  explicit DeviceId(const Key& key) : key_(key) {}
  // Fails unless `bytes` is exactly 32 bytes long.
  static Result<DeviceId> FromBytes(ByteSpan bytes);
  static Result<DeviceId> Parse(std::string_view text);

  std::string ToString() const;
  // First 8 bytes, big-endian. Names the device in version vectors and logs;
  // never used for authentication.
  std::uint64_t ShortId() const;
  const Key& bytes() const { return key_; }

  friend auto operator<=>(const DeviceId&, const DeviceId&) = default;

 private:
  Key key_{};
};

// The 7-character short form of a short ID (first group of the text form
// without check characters), for logs and conflict copy names.
std::string ShortIdString(std::uint64_t short_id);

}  // namespace shoal
