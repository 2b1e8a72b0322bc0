// TcpStream: a ByteStream (net/loop/byte_stream.h) over one connected libuv
// TCP handle.
//
// Ownership: TcpStream::Adopt takes a connected or accepted uv_tcp_t as a
// UvHandle (core/base/uv_handle.h) and returns a ByteStreamPtr, not reading
// until Start(). Destroying the pointer abandons the stream: the listener is
// never called again, the handle is closed, pending writes fail with
// UV_ECANCELED, and the TcpStream is freed in the handle's close callback
// (the uv_tcp_t right after it). Each write owns its bytes until libuv calls
// back.
//
// Thread: the loop's thread only. The listener may destroy the pointer from
// inside any of its callbacks.
#pragma once

#include <uv.h>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/byte_stream.h"

namespace shoal::net {

class TcpStream final : public ByteStream {
 public:
  // Takes `tcp` (connected or accepted); Nagle is turned off. On failure
  // `tcp` is closed.
  static Result<ByteStreamPtr> Adopt(UvHandle<uv_tcp_t> tcp);
  // One read hands the listener up to this many bytes unless told otherwise
  // (SetReadBufferSize): big enough that a bulk transfer costs few read(2)
  // calls, small enough to stay in cache.
  static constexpr std::size_t kDefaultReadBufferSize = 256 * 1024;

  Result<void> Start(Listener* listener, WaterMarks marks) override;
  Result<void> Write(Bytes bytes) override;
  void Shutdown() override;
  void Close() override;
  void PauseReading() override;
  void SetReadBufferSize(std::size_t bytes) override { read_buffer_size_ = bytes; }
  void ResumeReading() override;
  bool closing() const override { return closing_; }

 private:
  struct WriteRequest;
  explicit TcpStream(UvHandle<uv_tcp_t> tcp);
  ~TcpStream() override = default;
  void AbandonAndClose() override;
  Result<void> ReadStart();
  static void OnHandleClosed(uv_tcp_t* handle) noexcept;

  UvHandle<uv_tcp_t> tcp_;  // empty once closing; data points here
  Bytes read_buffer_;       // allocated at the first read, resized between reads
  std::size_t read_buffer_size_ = kDefaultReadBufferSize;
  bool paused_ = false;
  bool read_ended_ = false;  // EOF or a read error: reading never resumes
  bool closing_ = false;
  bool closed_ = false;
  bool abandoned_ = false;
  bool in_close_callback_ = false;
};

}  // namespace shoal::net
