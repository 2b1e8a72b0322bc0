// TcpStream: one connected libuv TCP handle with a read callback, a write
// queue that counts its bytes, half-close and close.
//
// Ownership: TcpStream::Adopt takes a connected or accepted uv_tcp_t as a
// UvHandle (net/loop/uv_handle.h) and returns a TcpStreamPtr. Destroying the
// pointer abandons the stream: the listener is never called again, the
// handle is closed, pending writes fail with UV_ECANCELED, and the TcpStream
// is freed in the handle's close callback (the uv_tcp_t right after it).
// Each write owns its bytes until libuv calls back.
//
// Backpressure: WriteQueueBytes() counts bytes handed to Write() whose write
// has not completed. Once it has reached `high_water`, OnDrained() fires the
// first time it falls to `low_water` or below.
//
// Thread: the loop's thread only. The listener may destroy the TcpStreamPtr
// from inside any of its callbacks.
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/loop/uv_handle.h"

namespace shoal::net {

class TcpStream {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // Bytes as TCP delivered them; the span is valid during the call only.
    virtual void OnRead(ByteSpan bytes) = 0;
    // The peer closed its write side (FIN).
    virtual void OnEof() = 0;
    // A read, write or shutdown failed with the libuv status `status`.
    virtual void OnStreamError(std::string_view what, int status) = 0;
    // Every byte written before Shutdown() has been handed to the kernel.
    virtual void OnShutdown() = 0;
    virtual void OnDrained() = 0;
    // The handle is closed: the last callback.
    virtual void OnClosed() = 0;
  };

  struct WaterMarks {
    std::size_t high = std::size_t{8} << 20;
    std::size_t low = std::size_t{2} << 20;
  };

  struct Abandon {
    void operator()(TcpStream* stream) const { stream->AbandonAndClose(); }
  };
  using Ptr = std::unique_ptr<TcpStream, Abandon>;

  // Starts reading at once. On failure `tcp` is closed.
  static Result<Ptr> Adopt(UvHandle<uv_tcp_t> tcp, Listener* listener, WaterMarks marks);
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Queues `bytes` (non-empty). Fails with kIo when the stream is closing
  // or libuv refuses the write; asynchronous failures reach OnStreamError.
  Result<void> Write(Bytes bytes);
  // A buffer of `size` bytes (contents unspecified) to fill, shrink to what
  // was used and pass to Write(). Large buffers of completed writes are kept
  // (at most kMaxSpareBuffers) and handed out again, so a bulk transfer
  // neither faults in fresh pages nor zero-fills for every message.
  Bytes TakeBuffer(std::size_t size);
  // Frees the kept buffers (call when the stream has gone quiet).
  void ReleaseSpareBuffers() { spare_.clear(); }
  static constexpr std::size_t kMaxSpareBuffers = 2;
  static constexpr std::size_t kMinSpareCapacity = 256 * 1024;

  // Sends FIN after the queued writes; OnShutdown (or OnStreamError) follows.
  void Shutdown();
  // Stops reading and closes the handle; OnClosed follows. Idempotent.
  void Close();

  std::size_t WriteQueueBytes() const { return queued_bytes_; }
  bool AboveHighWater() const { return above_high_; }
  bool closing() const { return closing_; }

 private:
  struct WriteRequest;
  TcpStream(UvHandle<uv_tcp_t> tcp, Listener* listener, WaterMarks marks);
  ~TcpStream() = default;
  void AbandonAndClose();
  void OnWriteDone(Bytes bytes, int status);
  static void OnHandleClosed(uv_tcp_t* handle) noexcept;

  UvHandle<uv_tcp_t> tcp_;  // empty once closing; data points here
  Listener* listener_;
  WaterMarks marks_;
  Bytes read_buffer_;
  std::vector<Bytes> spare_;  // recycled write buffers, see TakeBuffer
  std::size_t queued_bytes_ = 0;
  bool above_high_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool abandoned_ = false;
  bool in_close_callback_ = false;
};

using TcpStreamPtr = TcpStream::Ptr;

}  // namespace shoal::net
