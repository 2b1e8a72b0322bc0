#include "net/pairing/invite_code.h"

#include <sodium.h>

#include <array>

#include "core/base/base32.h"

namespace shoal::net {
namespace {

constexpr std::size_t kPartChars = 7;                        // base32 chars per check char
constexpr std::size_t kParts = 4;                            // 28 / 7
constexpr std::size_t kGroupChars = kPartChars + 1;          // a part and its check char
constexpr std::size_t kPayloadSize = 1 + kInviteSecretSize;  // version + secret
static_assert(kParts * kGroupChars == kInviteCodeChars);
static_assert((kPayloadSize * 8 + 4) / 5 == kParts * kPartChars);

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

// "host:port" with a nonempty host and a port in 1..65535.
Result<std::string> CheckAddress(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Invalid("invite code: the address after '@' must be host:port");
  }
  const std::string_view port = address.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string_view::npos;
  unsigned value = 0;
  for (char c : port) value = digits ? value * 10 + static_cast<unsigned>(c - '0') : 0;
  if (value == 0 || value > 65535) {
    return Invalid("invite code: '" + std::string(port) + "' is not a port (1-65535)");
  }
  return std::string(address);
}

// The 28 base32 characters of a checked code, or which group is wrong.
Result<std::string> StripCheckChars(const std::string& chars) {
  if (chars.size() != kInviteCodeChars) {
    return Invalid("invite code: expected 32 characters (4 groups of 8), got " +
                   std::to_string(chars.size()));
  }
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (!Base32Value(chars[i])) {
      return Invalid("invite code: character " + std::to_string(i + 1) + " ('" + chars[i] +
                     "') is not a letter or a digit 2-7");
    }
  }
  std::string base32;
  base32.reserve(kParts * kPartChars);
  for (std::size_t part = 0; part < kParts; ++part) {
    const std::string_view data = std::string_view(chars).substr(part * kGroupChars, kPartChars);
    if (LuhnBase32CheckChar(data) != chars[part * kGroupChars + kPartChars]) {
      return Invalid("invite code has a typo in group " + std::to_string(part + 1) +
                     " (characters " + std::to_string(part * kGroupChars + 1) + "-" +
                     std::to_string((part + 1) * kGroupChars) + ")");
    }
    base32.append(data);
  }
  return base32;
}

}  // namespace

Result<SecretBytes> NewInviteSecret() {
  auto secret = SecretBytes::Allocate(kInviteSecretSize);  // initialises libsodium
  if (!secret) return secret.error();
  randombytes_buf(secret->data(), secret->size());
  return secret;
}

std::string FormatInviteCode(ByteSpan secret) {
  SHOAL_CHECK(secret.size() == kInviteSecretSize, "FormatInviteCode: secret must be 16 bytes");
  std::array<std::uint8_t, kPayloadSize> payload{};
  payload[0] = kInviteVersion;
  std::copy(secret.begin(), secret.end(), payload.begin() + 1);
  std::string base32 = Base32Encode(payload);
  sodium_memzero(payload.data(), payload.size());
  std::string out;
  out.reserve(kInviteCodeChars + kParts - 1);
  for (std::size_t part = 0; part < kParts; ++part) {
    const std::string_view data = std::string_view(base32).substr(part * kPartChars, kPartChars);
    if (part != 0) out.push_back('-');
    out.append(data);
    out.push_back(LuhnBase32CheckChar(data));
  }
  sodium_memzero(base32.data(), base32.size());
  return out;
}

Result<ParsedInvite> ParseInviteCode(std::string_view text) {
  ParsedInvite parsed;
  const std::size_t at = text.find('@');
  if (at != std::string_view::npos) {
    auto address = CheckAddress(text.substr(at + 1));
    if (!address) return address.error();
    parsed.address = std::move(*address);
    text = text.substr(0, at);
  }
  auto base32 = StripCheckChars(NormalizeTypedBase32(text));
  if (!base32) return base32.error();
  auto payload = Base32Decode(*base32);
  sodium_memzero(base32->data(), base32->size());
  if (!payload) return Invalid("invite code: not a valid code (" + payload.error().message + ")");
  auto wipe = [&] { sodium_memzero(payload->data(), payload->size()); };
  if ((*payload)[0] != kInviteVersion) {
    const int version = (*payload)[0];
    wipe();
    return Invalid("invite code: made by a Shoal with invite format " + std::to_string(version) +
                   "; this one reads format " + std::to_string(kInviteVersion));
  }
  auto secret = SecretBytes::CopyOf(ByteSpan(*payload).subspan(1));
  wipe();
  if (!secret) return secret.error();
  parsed.secret = std::move(*secret);
  return parsed;
}

}  // namespace shoal::net
