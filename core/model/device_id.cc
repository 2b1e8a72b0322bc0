#include "core/model/device_id.h"

#include <algorithm>

#include "core/base/base32.h"

namespace shoal {
namespace {

constexpr std::size_t kPartChars = 13;                         // base32 chars per check char
constexpr std::size_t kParts = 4;                              // 52 / 13
constexpr std::size_t kTextChars = kParts * (kPartChars + 1);  // 56
constexpr std::size_t kGroupChars = 7;                         // display groups

}  // namespace

Result<DeviceId> DeviceId::FromBytes(ByteSpan bytes) {
  if (bytes.size() != kSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "device ID: expected 32 bytes, got " + std::to_string(bytes.size()));
  }
  Key key;
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return DeviceId(key);
}

Result<DeviceId> DeviceId::Parse(std::string_view text) {
  std::string chars = NormalizeTypedBase32(text);
  if (chars.size() != kTextChars) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "device ID: expected 56 characters (8 groups of 7), got " + std::to_string(chars.size()));
  }
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (!Base32Value(chars[i])) {
      return Fail(ErrorCode::kInvalidArgument, "device ID: character " + std::to_string(i + 1) +
                                                   " ('" + chars[i] + "') is not A-Z or 2-7");
    }
  }
  std::string base32;
  base32.reserve(kParts * kPartChars);
  for (std::size_t part = 0; part < kParts; ++part) {
    std::string_view data = std::string_view(chars).substr(part * (kPartChars + 1), kPartChars);
    char check = chars[part * (kPartChars + 1) + kPartChars];
    if (LuhnBase32CheckChar(data) != check) {
      return Fail(ErrorCode::kInvalidArgument,
                  "device ID: check character " + std::to_string(part + 1) +
                      " does not match; a character is mistyped or two are swapped in characters " +
                      std::to_string(part * (kPartChars + 1) + 1) + "-" +
                      std::to_string((part + 1) * (kPartChars + 1)));
    }
    base32.append(data);
  }
  auto bytes = Base32Decode(base32);
  if (!bytes) return bytes.error().Wrap("device ID");
  return FromBytes(*bytes);
}

std::string DeviceId::ToString() const {
  std::string base32 = Base32Encode(key_);
  std::string checked;
  checked.reserve(kTextChars);
  for (std::size_t part = 0; part < kParts; ++part) {
    std::string_view data = std::string_view(base32).substr(part * kPartChars, kPartChars);
    checked.append(data);
    checked.push_back(LuhnBase32CheckChar(data));
  }
  std::string out;
  out.reserve(kTextChars + kTextChars / kGroupChars - 1);
  for (std::size_t i = 0; i < checked.size(); i += kGroupChars) {
    if (i != 0) out.push_back('-');
    out.append(checked, i, kGroupChars);
  }
  return out;
}

std::uint64_t DeviceId::ShortId() const {
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = id << 8 | key_[i];
  return id;
}

std::string ShortIdString(std::uint64_t short_id) {
  Bytes bytes;
  AppendBigEndian64(bytes, short_id);
  return Base32Encode(bytes).substr(0, kGroupChars);
}

}  // namespace shoal
