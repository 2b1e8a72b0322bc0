#include "core/base/base32.h"

namespace shoal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

}  // namespace

std::string NormalizeTypedBase32(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == '0') c = 'O';
    if (c == '1') c = 'I';
    if (c == '8') c = 'B';
    out.push_back(c);
  }
  return out;
}

std::optional<int> Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return std::nullopt;
}

std::string Base32Encode(ByteSpan bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<Bytes> Base32Decode(std::string_view text) {
  // Valid unpadded lengths leave 0, 2, 4, 5 or 7 characters in the last group.
  static constexpr bool kValidTail[8] = {true, false, true, false, true, true, false, true};
  if (!kValidTail[text.size() % 8]) {
    return Fail(ErrorCode::kInvalidArgument,
                "base32: impossible length " + std::to_string(text.size()));
  }
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto value = Base32Value(text[i]);
    if (!value) {
      return Fail(ErrorCode::kInvalidArgument, "base32: invalid character '" +
                                                   std::string(1, text[i]) + "' at position " +
                                                   std::to_string(i + 1));
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(*value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "base32: non-zero trailing bits");
  }
  return out;
}

char LuhnBase32CheckChar(std::string_view text) {
  // Luhn mod N, generation form: walk from the right, doubling the rightmost
  // character (the check character will be appended after it).
  constexpr int kN = 32;
  int factor = 2;
  int sum = 0;
  for (auto it = text.rbegin(); it != text.rend(); ++it) {
    auto value = Base32Value(*it);
    SHOAL_CHECK(value.has_value(), "LuhnBase32CheckChar: input is not base32");
    int addend = factor * *value;
    factor = factor == 2 ? 1 : 2;
    sum += addend / kN + addend % kN;
  }
  return kAlphabet[(kN - sum % kN) % kN];
}

}  // namespace shoal
