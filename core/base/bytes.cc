#include "core/base/bytes.h"

namespace shoal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string HexEncode(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Fail(ErrorCode::kInvalidArgument, "hex: odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "hex: invalid character at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

void AppendBigEndian64(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void AppendBigEndian16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void AppendVarint(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

Result<void> ByteReader::Need(std::size_t count) {
  if (count > remaining()) {
    pos_ = data_.size();
    return Fail(ErrorCode::kCorrupt, "truncated: need " + std::to_string(count) + " bytes");
  }
  return {};
}

Result<std::uint64_t> ByteReader::ReadBigEndian64() {
  if (auto ok = Need(8); !ok) return ok.error();
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | data_[pos_++];
  return value;
}

Result<std::uint16_t> ByteReader::ReadBigEndian16() {
  if (auto ok = Need(2); !ok) return ok.error();
  std::uint16_t value = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return value;
}

Result<std::uint64_t> ByteReader::ReadVarint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (auto ok = Need(1); !ok) return ok.error();
    std::uint8_t byte = data_[pos_++];
    if (shift == 63 && byte > 1) return Fail(ErrorCode::kCorrupt, "varint overflows 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return Fail(ErrorCode::kCorrupt, "varint longer than 10 bytes");
}

Result<ByteSpan> ByteReader::ReadBytes(std::size_t count) {
  if (auto ok = Need(count); !ok) return ok.error();
  ByteSpan out = data_.subspan(pos_, count);
  pos_ += count;
  return out;
}

}  // namespace shoal
