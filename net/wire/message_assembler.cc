#include "net/wire/message_assembler.h"

#include <algorithm>
#include <string>

namespace shoal::net::wire {

Result<std::optional<Message>> MessageAssembler::Add(const Record& record) {
  if (record.type == RecordType::kResponse) {
    auto message = ResponseMessage(record);
    if (!message) return message.error();
    return std::optional<Message>(std::move(*message));
  }
  bool more = (record.flags & kFlagMoreFragments) != 0;
  if (pending_) {
    if (record.type != type_) {
      return Fail(ErrorCode::kProtocol, "record: " + std::string(RecordTypeName(record.type)) +
                                            " inside a fragmented " +
                                            std::string(RecordTypeName(type_)));
    }
    if ((record.flags & kFlagCompressed) != (flags_ & kFlagCompressed)) {
      return Fail(ErrorCode::kProtocol, "record: compression flag changed between fragments");
    }
  } else {
    pending_ = true;
    type_ = record.type;
    flags_ = record.flags;
    buffer_.clear();
  }
  if (auto ok = Append(record.body); !ok) return ok.error();
  if (more) return std::optional<Message>();
  pending_ = false;
  auto message = Finish(type_, flags_, std::move(buffer_));
  buffer_ = Bytes();
  if (!message) return message.error();
  return std::optional<Message>(std::move(*message));
}

Result<void> MessageAssembler::Append(ByteSpan body) {
  if (body.size() > max_body_ - buffer_.size()) {
    return Fail(ErrorCode::kProtocol, std::string(RecordTypeName(type_)) + ": message exceeds " +
                                          std::to_string(max_body_) + " bytes");
  }
  std::size_t needed = buffer_.size() + body.size();
  if (needed > buffer_.capacity()) {
    // Grow geometrically, but never past the cap (std::vector's own growth
    // could overshoot it).
    buffer_.reserve(std::min(max_body_, std::max(needed, buffer_.capacity() * 2)));
  }
  buffer_.insert(buffer_.end(), body.begin(), body.end());
  return {};
}

Result<Message> MessageAssembler::Finish(RecordType type, std::uint8_t flags, Bytes body) {
  if ((flags & kFlagCompressed) == 0) return Message{type, std::move(body)};
  auto plain = zstd_.Decompress(body, max_body_);
  if (!plain) return plain.error().Wrap(RecordTypeName(type));
  return Message{type, std::move(*plain)};
}

Result<Message> MessageAssembler::ResponseMessage(const Record& record) {
  if ((record.flags & kFlagCompressed) == 0) {
    return Message{record.type, Bytes(record.body.begin(), record.body.end())};
  }
  if (record.body.size() < kResponseHeaderSize) {
    return Fail(ErrorCode::kProtocol, "Response: shorter than its header");
  }
  auto data = zstd_.Decompress(record.body.subspan(kResponseHeaderSize), kMaxResponseData);
  if (!data) return data.error().Wrap("Response");
  Bytes body(record.body.begin(), record.body.begin() + kResponseHeaderSize);
  body.insert(body.end(), data->begin(), data->end());
  return Message{record.type, std::move(body)};
}

}  // namespace shoal::net::wire
