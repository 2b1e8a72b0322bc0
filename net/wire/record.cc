#include "net/wire/record.h"

#include <string>

#include "core/base/check.h"

namespace shoal::net::wire {

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kHello:
      return "Hello";
    case RecordType::kClusterConfig:
      return "ClusterConfig";
    case RecordType::kIndex:
      return "Index";
    case RecordType::kIndexUpdate:
      return "IndexUpdate";
    case RecordType::kRequest:
      return "Request";
    case RecordType::kResponse:
      return "Response";
    case RecordType::kPing:
      return "Ping";
    case RecordType::kClose:
      return "Close";
    case RecordType::kPairAccept:
      return "PairAccept";
    case RecordType::kPunch:
      return "Punch";
    case RecordType::kPairReveal:
      return "PairReveal";
  }
  return "unknown";
}

Result<Record> ParseRecord(ByteSpan plaintext) {
  if (plaintext.size() < kRecordHeaderSize) {
    return Fail(ErrorCode::kProtocol, "record: shorter than its 2-byte header");
  }
  if (plaintext.size() > kMaxRecordSize) {
    return Fail(ErrorCode::kProtocol, "record: " + std::to_string(plaintext.size()) +
                                          " bytes, limit is " + std::to_string(kMaxRecordSize));
  }
  std::uint8_t type = plaintext[0];
  if (type < static_cast<std::uint8_t>(RecordType::kHello) ||
      type > static_cast<std::uint8_t>(RecordType::kPairReveal)) {
    return Fail(ErrorCode::kProtocol, "record: unknown type " + std::to_string(type));
  }
  Record record{static_cast<RecordType>(type), plaintext[1], plaintext.subspan(2)};
  if ((record.flags & ~kKnownFlags) != 0) {
    return Fail(ErrorCode::kProtocol, "record: reserved flag bits set");
  }
  if (record.type == RecordType::kResponse && (record.flags & kFlagMoreFragments) != 0) {
    return Fail(ErrorCode::kProtocol, "record: Response records are never fragmented");
  }
  return record;
}

Bytes EncodeRecord(RecordType type, std::uint8_t flags, ByteSpan body) {
  SHOAL_CHECK(body.size() <= kMaxRecordBody, "record body too large");
  SHOAL_CHECK((flags & ~kKnownFlags) == 0, "unknown record flags");
  Bytes out;
  out.reserve(kRecordHeaderSize + body.size());
  out.push_back(static_cast<std::uint8_t>(type));
  out.push_back(flags);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace shoal::net::wire
