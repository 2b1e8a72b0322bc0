#include "net/wire/frame.h"

#include <algorithm>
#include <string>

namespace shoal::net::wire {

Result<void> AppendFrame(Bytes& out, ByteSpan body) {
  if (body.empty() || body.size() > kMaxFrameBody) {
    return Fail(ErrorCode::kInvalidArgument,
                "frame: body of " + std::to_string(body.size()) + " bytes, must be 1..65535");
  }
  AppendBigEndian16(out, static_cast<std::uint16_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return {};
}

Result<Bytes> EncodeFrame(ByteSpan body) {
  Bytes out;
  out.reserve(kFrameHeaderSize + body.size());
  if (auto ok = AppendFrame(out, body); !ok) return ok.error();
  return out;
}

Result<void> FrameReader::Feed(ByteSpan chunk, const FrameHandler& on_frame) {
  auto consumed = FeedUntil(chunk, on_frame, [] { return false; });
  if (!consumed) return consumed.error();
  return {};
}

Result<std::size_t> FrameReader::FeedUntil(ByteSpan chunk, const FrameHandler& on_frame,
                                           const std::function<bool()>& stop) {
  if (failed_) return Fail(ErrorCode::kProtocol, "frame: reader used after an error");
  const std::size_t total = chunk.size();
  while (!chunk.empty()) {
    if (header_len_ < kFrameHeaderSize) {
      header_[header_len_++] = chunk.front();
      chunk = chunk.subspan(1);
      if (header_len_ < kFrameHeaderSize) continue;
      body_len_ = static_cast<std::size_t>(header_[0] << 8 | header_[1]);
      if (body_len_ == 0) {
        failed_ = true;
        return Fail(ErrorCode::kProtocol, "frame: zero length");
      }
      if (body_len_ > max_body_) {
        failed_ = true;
        return Fail(ErrorCode::kProtocol, "frame: " + std::to_string(body_len_) +
                                              " bytes, more than the " + std::to_string(max_body_) +
                                              " allowed here");
      }
      continue;
    }
    Result<void> handled;
    if (partial_.empty() && chunk.size() >= body_len_) {
      // The whole body is in this chunk: hand it out in place.
      handled = on_frame(chunk.first(body_len_));
      chunk = chunk.subspan(body_len_);
    } else {
      std::size_t take = std::min(chunk.size(), body_len_ - partial_.size());
      if (partial_.capacity() < body_len_) partial_.reserve(body_len_);
      partial_.insert(partial_.end(), chunk.begin(), chunk.begin() + take);
      chunk = chunk.subspan(take);
      if (partial_.size() < body_len_) continue;
      handled = on_frame(partial_);
      partial_.clear();
    }
    header_len_ = 0;
    body_len_ = 0;
    if (!handled) {
      failed_ = true;
      return handled.error();
    }
    if (stop()) break;
  }
  return total - chunk.size();
}

}  // namespace shoal::net::wire
