#include "net/session/transport.h"

#include "net/wire/record_packer.h"

namespace shoal::net {

Result<void> RecordSealer::Seal(ByteSpan record, Bytes& out) {
  SHOAL_CHECK(!record.empty() && record.size() <= wire::kMaxRecordSize, "record size");
  const std::size_t start = out.size();
  AppendBigEndian16(out, static_cast<std::uint16_t>(record.size() + kTagLen));
  if (auto sealed = send_.EncryptWithAd({}, record, out); !sealed) {
    out.resize(start);
    return sealed;
  }
  if (wire::ShouldRekey(send_.nonce())) send_.Rekey();
  return {};
}

Result<std::optional<wire::Message>> RecordOpener::Open(ByteSpan frame) {
  if (failed_) return Fail(ErrorCode::kProtocol, "transport: used after an error");
  failed_ = true;  // until this frame has been fully accepted
  plaintext_.clear();
  if (auto opened = receive_.DecryptWithAd({}, frame, plaintext_); !opened) return opened.error();
  if (wire::ShouldRekey(receive_.nonce())) receive_.Rekey();
  auto record = wire::ParseRecord(plaintext_);
  if (!record) return record.error();
  auto message = assembler_.Add(*record);
  if (!message) return message.error();
  failed_ = false;
  return message;
}

}  // namespace shoal::net
