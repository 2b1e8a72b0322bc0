#include "net/session/transport.h"

#include "net/wire/record_packer.h"

namespace shoal::net {

Result<void> RecordSealer::Seal(ByteSpan record, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + record.size() + kOverhead);
  auto sealed = SealTo(record, std::span(out).subspan(start));
  if (!sealed) {
    out.resize(start);
    return sealed.error();
  }
  return {};
}

Result<std::size_t> RecordSealer::SealTo(ByteSpan record, std::span<std::uint8_t> out) {
  SHOAL_CHECK(!record.empty() && record.size() <= wire::kMaxRecordSize, "record size");
  SHOAL_CHECK(out.size() >= record.size() + kOverhead, "SealTo: output too small");
  const std::size_t body = record.size() + kTagLen;
  out[0] = static_cast<std::uint8_t>(body >> 8);
  out[1] = static_cast<std::uint8_t>(body);
  auto sealed = send_.EncryptWithAdTo({}, record, out.subspan(wire::kFrameHeaderSize));
  if (!sealed) return sealed.error();
  if (wire::ShouldRekey(send_.nonce())) send_.Rekey();
  return wire::kFrameHeaderSize + body;
}

Result<Opened> RecordOpener::Open(ByteSpan frame) {
  if (failed_) return Fail(ErrorCode::kProtocol, "transport: used after an error");
  failed_ = true;  // until this frame has been fully accepted
  auto size = receive_.DecryptWithAdTo({}, frame, plaintext_);
  if (!size) return size.error();
  if (wire::ShouldRekey(receive_.nonce())) receive_.Rekey();
  auto record = wire::ParseRecord(ByteSpan(plaintext_).first(*size));
  if (!record) return record.error();
  Opened opened;
  if (record->type == wire::RecordType::kResponse && (record->flags & wire::kFlagCompressed) == 0) {
    auto response = wire::DecodeResponse(record->body);
    if (!response) return response.error();
    opened.response = std::move(*response);
  } else {
    auto message = assembler_.Add(*record);
    if (!message) return message.error();
    opened.message = std::move(*message);
  }
  failed_ = false;
  return opened;
}

}  // namespace shoal::net
