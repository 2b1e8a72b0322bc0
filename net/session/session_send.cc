// Session, sending side: messages are packed into records (PackMessage,
// PackResponseInto), sealed into frames and written as one buffer per
// message, reusing the stream's spare buffers for bulk data.
#include <string>

#include "core/model/block_ref.h"
#include "net/session/session.h"
#include "net/wire/record_packer.h"

namespace shoal::net {

Result<void> Session::CheckCanSend(std::size_t size) const {
  if (state_ != State::kOpen) {
    return Fail(ErrorCode::kInvalidArgument, "session: not established or already ending");
  }
  // Sealing adds a frame header and a tag per record (and packing never
  // grows a body by more than that), so this bounds what would be queued.
  const std::size_t records = size / wire::kMaxRecordBody + 1;
  const std::size_t sealed = size + records * (RecordSealer::kOverhead + wire::kRecordHeaderSize +
                                               wire::kResponseHeaderSize);
  if (WriteQueueBytes() + sealed > options_.write_queue_limit) {
    return Fail(ErrorCode::kBusy, "session: write queue full (" +
                                      std::to_string(WriteQueueBytes()) + " bytes queued)");
  }
  return {};
}

Result<void> Session::SendMessage(wire::RecordType type, const Bytes& body) {
  if (body.size() > wire::kMaxMessageBody) {
    return Fail(ErrorCode::kInvalidArgument, std::string(wire::RecordTypeName(type)) +
                                                 ": body over 16 MiB; send smaller batches");
  }
  if (auto can = CheckCanSend(body.size()); !can) return can;
  return Transmit(wire::PackMessage(type, body, zstd_));
}

Result<void> Session::Send(const wire::PeerMessage& message) {
  if (const auto* response = std::get_if<wire::Response>(&message)) {
    if (response->offset != 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Response: send the whole block; the session cuts the pieces");
    }
    return SendResponse(response->request_id, response->code, response->data);
  }
  return std::visit(
      [this](const auto& m) {
        auto sent = SendMessage(m.kType, wire::Encode(m));
        if (sent && m.kType == wire::RecordType::kClusterConfig) sent_cluster_config_ = true;
        if (sent && m.kType == wire::RecordType::kRequest) sent_request_ = true;
        return sent;
      },
      message);
}

Result<void> Session::SendResponse(std::uint32_t request_id, wire::ResponseCode code,
                                   ByteSpan block) {
  if (block.size() > kMaxBlockSize) {
    return Fail(ErrorCode::kInvalidArgument, "Response: block over 4 MiB");
  }
  if (auto can = CheckCanSend(block.size()); !can) return can;
  const std::size_t pieces = block.size() / wire::kMaxResponseData + 1;
  // Room for every piece uncompressed; shrunk to what was used.
  Bytes out = stream_->TakeBuffer(
      block.size() +
      pieces * (RecordSealer::kOverhead + wire::kRecordHeaderSize + wire::kResponseHeaderSize));
  std::size_t used = 0;
  Result<void> sealed;
  wire::PackResponseInto(request_id, code, block, zstd_, [&](ByteSpan record) {
    if (!sealed) return;
    auto frame = sealer_->SealTo(record, std::span(out).subspan(used));
    if (frame) {
      used += *frame;
    } else {
      sealed = frame.error();
    }
  });
  if (!sealed) return sealed;
  out.resize(used);
  return WriteRaw(std::move(out));
}

Result<void> Session::SendPing() {
  if (auto can = CheckCanSend(0); !can) return can;
  return Transmit(wire::PackMessage(wire::RecordType::kPing, {}, zstd_));
}

Result<void> Session::SendPunch(const wire::Punch& message) {
  if (!peer_punches_) {
    return Fail(ErrorCode::kInvalidArgument, "Punch: the peer does not take part in hole punching");
  }
  return SendMessage(message.kType, wire::Encode(message));
}

Result<void> Session::Transmit(const std::vector<Bytes>& records) {
  std::size_t total = 0;
  for (const Bytes& record : records) total += record.size() + RecordSealer::kOverhead;
  Bytes out = stream_->TakeBuffer(total);
  std::size_t used = 0;
  for (const Bytes& record : records) {
    auto frame = sealer_->SealTo(record, std::span(out).subspan(used));
    if (!frame) return frame.error();
    used += *frame;
  }
  return WriteRaw(std::move(out));
}

Result<void> Session::WriteRaw(Bytes bytes) {
  last_send_ms_ = NowMs();
  const std::size_t size = bytes.size();
  auto written = stream_->Write(std::move(bytes));
  if (!written) return written.error().Wrap("session");
  bytes_sent_ += size;
  send_rate_.Add(size, static_cast<std::int64_t>(last_send_ms_));
  return {};
}

}  // namespace shoal::net
