// Frames: every Noise message (handshake or transport) travels as a 2-byte
// big-endian length followed by that many bytes, 1..65535
// (docs/protocol.md "Frames").
//
// FrameReader takes bytes as TCP delivers them, in chunks of any size, and
// hands out complete frame bodies. It buffers at most one partial frame
// (never more than kMaxFrameBody bytes), so a peer cannot make it allocate
// more by announcing lengths. A zero length is a protocol error; after any
// error the reader stays failed. One thread at a time (the loop thread).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/cipher_state.h"

namespace shoal::net::wire {

inline constexpr std::size_t kFrameHeaderSize = 2;
inline constexpr std::size_t kMaxFrameBody = kMaxMessageSize;  // 65535

// Appends the 2-byte length and `body`. Fails with kInvalidArgument if `body`
// is empty or longer than kMaxFrameBody (out is then unchanged).
Result<void> AppendFrame(Bytes& out, ByteSpan body);
Result<Bytes> EncodeFrame(ByteSpan body);

class FrameReader {
 public:
  // Receives one complete frame body; the span is valid only during the
  // call. Returning an error stops Feed, which returns that error.
  using FrameHandler = std::function<Result<void>(ByteSpan body)>;

  // Consumes all of `chunk`, calling `on_frame` for each frame it completes,
  // in order. Frames entirely inside `chunk` are passed without copying.
  Result<void> Feed(ByteSpan chunk, const FrameHandler& on_frame);
  // The same, but it stops after a frame once `stop()` holds and returns
  // how much of `chunk` it consumed: the caller feeds the rest later. A
  // reader that decodes one message at a time buffers nothing itself.
  Result<std::size_t> FeedUntil(ByteSpan chunk, const FrameHandler& on_frame,
                                const std::function<bool()>& stop);

  // Frames announcing more than this are a protocol error (default and
  // ceiling kMaxFrameBody). A handshake is a few small frames: lowering it
  // until the peer is known keeps what a stranger can make us buffer small.
  void set_max_body(std::size_t max_body) { max_body_ = std::min(max_body, kMaxFrameBody); }

  // True between frames: no partial header or body is buffered. EOF while
  // this is false means the stream was cut inside a frame.
  bool at_boundary() const { return header_len_ == 0; }
  bool failed() const { return failed_; }

 private:
  std::uint8_t header_[kFrameHeaderSize] = {};
  std::size_t header_len_ = 0;  // header bytes received for the current frame
  std::size_t body_len_ = 0;    // announced length once the header is complete
  Bytes partial_;               // body bytes received so far (only when split)
  std::size_t max_body_ = kMaxFrameBody;
  bool failed_ = false;
};

}  // namespace shoal::net::wire
