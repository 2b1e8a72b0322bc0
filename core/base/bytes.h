// Byte helpers shared by the store and the wire: hex text, fixed-width
// big-endian integers, and LEB128 varints. ByteReader decodes untrusted bytes
// with a bounds check on every read; a failed read returns an error and
// leaves the reader at the end, so later reads fail too.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace shoal {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

std::string HexEncode(ByteSpan bytes);
// Accepts upper or lower case; fails on odd length or a non-hex character.
Result<Bytes> HexDecode(std::string_view hex);

void AppendBigEndian64(Bytes& out, std::uint64_t value);
void AppendBigEndian16(Bytes& out, std::uint16_t value);
// Unsigned LEB128: 7 bits per byte, low bits first, at most 10 bytes.
void AppendVarint(Bytes& out, std::uint64_t value);

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  Result<std::uint64_t> ReadBigEndian64();
  Result<std::uint16_t> ReadBigEndian16();
  // Rejects overlong encodings (more than 10 bytes, or bits beyond 64).
  Result<std::uint64_t> ReadVarint();
  Result<ByteSpan> ReadBytes(std::size_t count);

  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  Result<void> Need(std::size_t count);

  ByteSpan data_;
  std::size_t pos_ = 0;
};

}  // namespace shoal
