#include "net/wire/field_codec.h"

#include <limits>

#include "core/base/utf8.h"

namespace shoal::net::wire {
namespace {

Error Malformed(std::string_view what, std::string_view problem) {
  return Error{ErrorCode::kProtocol, std::string(what) + ": " + std::string(problem)};
}

}  // namespace

void AppendU8(Bytes& out, std::uint8_t value) { out.push_back(value); }

void AppendBigEndian32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void AppendString(Bytes& out, std::string_view text) {
  AppendVarint(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

Result<std::uint8_t> ReadU8(ByteReader& reader, std::string_view what) {
  auto bytes = reader.ReadBytes(1);
  if (!bytes) return ProtocolError(bytes.error(), what);
  return (*bytes)[0];
}

Result<std::uint32_t> ReadBigEndian32(ByteReader& reader, std::string_view what) {
  auto bytes = reader.ReadBytes(4);
  if (!bytes) return ProtocolError(bytes.error(), what);
  std::uint32_t value = 0;
  for (std::uint8_t b : *bytes) value = value << 8 | b;
  return value;
}

Result<std::uint64_t> ReadBigEndian64(ByteReader& reader, std::string_view what) {
  auto value = reader.ReadBigEndian64();
  if (!value) return ProtocolError(value.error(), what);
  return *value;
}

Result<std::uint64_t> ReadVarint(ByteReader& reader, std::string_view what) {
  auto value = reader.ReadVarint();
  if (!value) return ProtocolError(value.error(), what);
  return *value;
}

Result<std::int64_t> ReadNonNegative(ByteReader& reader, std::string_view what) {
  auto value = ReadVarint(reader, what);
  if (!value) return value.error();
  if (*value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Malformed(what, "exceeds 2^63-1");
  }
  return static_cast<std::int64_t>(*value);
}

Result<std::string> ReadString(ByteReader& reader, std::size_t max_len, std::string_view what) {
  auto text = ReadUncheckedString(reader, max_len, what);
  if (!text) return text.error();
  if (!IsValidUtf8(*text)) return Malformed(what, "not valid UTF-8");
  return text;
}

Result<std::string> ReadUncheckedString(ByteReader& reader, std::size_t max_len,
                                        std::string_view what) {
  auto len = ReadVarint(reader, what);
  if (!len) return len.error();
  if (*len > max_len) {
    return Malformed(what, std::to_string(*len) + " bytes, limit is " + std::to_string(max_len));
  }
  auto bytes = reader.ReadBytes(static_cast<std::size_t>(*len));
  if (!bytes) return ProtocolError(bytes.error(), what);
  return std::string(bytes->begin(), bytes->end());
}

Result<std::size_t> ReadCount(ByteReader& reader, std::size_t min_element_size,
                              std::string_view what) {
  auto count = ReadVarint(reader, what);
  if (!count) return count.error();
  if (*count > reader.remaining() / min_element_size) {
    return Malformed(what, "count " + std::to_string(*count) + " exceeds the data");
  }
  return static_cast<std::size_t>(*count);
}

Result<void> ExpectEnd(const ByteReader& reader, std::string_view what) {
  if (!reader.at_end()) {
    return Malformed(what, std::to_string(reader.remaining()) + " trailing bytes");
  }
  return {};
}

Error ProtocolError(const Error& error, std::string_view context) {
  Error wrapped = error.Wrap(context);
  wrapped.code = ErrorCode::kProtocol;
  return wrapped;
}

}  // namespace shoal::net::wire
