// Codecs of Request and Response (one piece of a block, or an error).
#include "net/wire/field_codec.h"
#include "net/wire/messages.h"

namespace shoal::net::wire {

Bytes Encode(const Request& message) {
  Bytes out;
  AppendBigEndian32(out, message.request_id);
  AppendString(out, message.folder);
  AppendString(out, message.name);
  AppendVarint(out, static_cast<std::uint64_t>(message.offset));
  AppendVarint(out, message.size);
  out.insert(out.end(), message.hash.bytes.begin(), message.hash.bytes.end());
  return out;
}

Result<Request> DecodeRequest(ByteSpan body) {
  ByteReader reader(body);
  Request m;
  auto id = ReadBigEndian32(reader, "Request: request ID");
  if (!id) return id.error();
  m.request_id = *id;
  auto folder = ReadString(reader, kMaxFolderIdLen, "Request: folder ID");
  if (!folder) return folder.error();
  m.folder = std::move(*folder);
  auto name = ReadString(reader, kMaxNameLen, "Request: name");
  if (!name) return name.error();
  m.name = std::move(*name);
  auto offset = ReadNonNegative(reader, "Request: offset");
  if (!offset) return offset.error();
  m.offset = *offset;
  auto size = ReadVarint(reader, "Request: size");
  if (!size) return size.error();
  if (*size == 0 || *size > kMaxBlockSize) {
    return Fail(ErrorCode::kProtocol, "Request: size " + std::to_string(*size) + " outside 1.." +
                                          std::to_string(kMaxBlockSize));
  }
  m.size = static_cast<std::uint32_t>(*size);
  auto hash = reader.ReadBytes(16);
  if (!hash) return ProtocolError(hash.error(), "Request: hash");
  std::copy(hash->begin(), hash->end(), m.hash.bytes.begin());
  if (auto end = ExpectEnd(reader, "Request"); !end) return end.error();
  return m;
}

Bytes Encode(const Response& message) {
  Bytes out;
  out.reserve(kResponseHeaderSize + message.data.size());
  AppendBigEndian32(out, message.request_id);
  AppendU8(out, static_cast<std::uint8_t>(message.code));
  AppendBigEndian32(out, message.offset);
  out.insert(out.end(), message.data.begin(), message.data.end());
  return out;
}

Result<Response> DecodeResponse(ByteSpan body) {
  ByteReader reader(body);
  Response m;
  auto id = ReadBigEndian32(reader, "Response: request ID");
  if (!id) return id.error();
  m.request_id = *id;
  auto code = ReadU8(reader, "Response: code");
  if (!code) return code.error();
  if (*code > static_cast<std::uint8_t>(ResponseCode::kBusy)) {
    return Fail(ErrorCode::kProtocol, "Response: unknown code " + std::to_string(*code));
  }
  m.code = static_cast<ResponseCode>(*code);
  auto offset = ReadBigEndian32(reader, "Response: offset");
  if (!offset) return offset.error();
  m.offset = *offset;
  std::size_t size = reader.remaining();
  if (size > kMaxResponseData) return Fail(ErrorCode::kProtocol, "Response: too much data");
  if (m.offset > kMaxBlockSize - size) {
    return Fail(ErrorCode::kProtocol, "Response: data extends past the largest block size");
  }
  if (m.code != ResponseCode::kOk && (m.offset != 0 || size != 0)) {
    return Fail(ErrorCode::kProtocol, "Response: an error response carries data");
  }
  auto data = reader.ReadBytes(size);
  m.data.assign(data->begin(), data->end());
  return m;
}

}  // namespace shoal::net::wire
