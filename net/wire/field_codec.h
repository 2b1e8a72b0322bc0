// Field-level helpers shared by the message codecs (internal to net/wire).
// Every Read* fails with kProtocol naming `what`, so decoder errors read
// "Hello: device name: truncated: need 12 bytes".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net::wire {

void AppendU8(Bytes& out, std::uint8_t value);
void AppendBigEndian32(Bytes& out, std::uint32_t value);
// Varint byte length, then the bytes.
void AppendString(Bytes& out, std::string_view text);

Result<std::uint8_t> ReadU8(ByteReader& reader, std::string_view what);
Result<std::uint32_t> ReadBigEndian32(ByteReader& reader, std::string_view what);
Result<std::uint64_t> ReadBigEndian64(ByteReader& reader, std::string_view what);
Result<std::uint64_t> ReadVarint(ByteReader& reader, std::string_view what);
// A varint that must fit in int64 (sizes, sequences, offsets).
Result<std::int64_t> ReadNonNegative(ByteReader& reader, std::string_view what);
// At most `max_len` bytes of valid UTF-8.
Result<std::string> ReadString(ByteReader& reader, std::size_t max_len, std::string_view what);
// At most `max_len` bytes, as they are: for index entries' names and link
// targets, which the receiver checks entry by entry (core/version/
// name_check.h), so one bad name costs that entry, not the whole batch.
Result<std::string> ReadUncheckedString(ByteReader& reader, std::size_t max_len,
                                        std::string_view what);
// An element count, refused when `count * min_element_size` exceeds the
// bytes left. Callers reserve at most ReserveHint(count): a decoded element
// takes several times its minimal encoding in memory, so reserving a claimed
// count in full would let junk after the count cost ~10x the body size.
Result<std::size_t> ReadCount(ByteReader& reader, std::size_t min_element_size,
                              std::string_view what);
inline std::size_t ReserveHint(std::size_t count) { return count < 256 ? count : 256; }
Result<void> ExpectEnd(const ByteReader& reader, std::string_view what);

// `error` as kProtocol, prefixed with `context`.
Error ProtocolError(const Error& error, std::string_view context);

}  // namespace shoal::net::wire
