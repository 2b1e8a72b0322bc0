#include "net/loop/byte_stream.h"

#include <uv.h>

namespace shoal::net {

Bytes ByteStream::TakeBuffer(std::size_t size) {
  for (auto it = spare_.begin(); it != spare_.end(); ++it) {
    if (it->capacity() < size) continue;
    Bytes buffer = std::move(*it);
    spare_.erase(it);
    buffer.resize(size);  // zero-fills only past its previous size
    return buffer;
  }
  return Bytes(size);
}

void ByteStream::CountQueued(std::size_t size) {
  queued_bytes_ += size;
  if (queued_bytes_ >= marks_.high) above_high_ = true;
}

void ByteStream::FinishWrite(Bytes bytes, int status) {
  queued_bytes_ -= bytes.size();
  if (listener_ == nullptr) return;
  if (bytes.capacity() >= kMinSpareCapacity && spare_.size() < kMaxSpareBuffers) {
    spare_.push_back(std::move(bytes));
  }
  if (status < 0) {
    if (status != UV_ECANCELED) listener_->OnStreamError("write", status);
    return;
  }
  if (above_high_ && queued_bytes_ <= marks_.low) {
    above_high_ = false;
    listener_->OnDrained();
  }
}

}  // namespace shoal::net
