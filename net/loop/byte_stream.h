// ByteStream: a reliable, ordered byte stream to one peer, seen from the
// loop: a read callback, a write queue that counts its bytes, half-close and
// close. A Session speaks only to this (net/session/session.h), so it runs
// unchanged over TCP (TcpStream) today, over an in-memory pair in tests
// (tests/support/memory_stream.h), and over a relayed stream tomorrow.
//
// Life: an implementation hands out a ByteStream::Ptr that is not reading
// yet. Start(listener) begins delivery; from then on every event goes to the
// listener, in order: OnRead*, then OnEof (the peer's half-close) or
// OnStreamError, with OnShutdown/OnDrained as writes progress, and OnClosed
// last, once, after Close().
//
// Ownership: destroying the Ptr abandons the stream: the listener is never
// called again, the stream is closed, pending writes are cancelled, and the
// object frees itself once the transport is done with it. The listener may
// destroy the Ptr from inside any of its callbacks.
//
// Backpressure: WriteQueueBytes() counts bytes handed to Write() whose write
// has not completed. Once it has reached the high mark, OnDrained() fires
// the first time it falls to the low mark or below. Implementations do the
// counting through CountQueued/FinishWrite, so every transport reports the
// same way.
//
// Thread: the loop's thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net {

class ByteStream {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // Bytes as the transport delivered them; the span is valid during the
    // call only. Message boundaries are not kept.
    virtual void OnRead(ByteSpan bytes) = 0;
    // The peer closed its write side.
    virtual void OnEof() = 0;
    // A read, write or shutdown failed with the libuv status `status`.
    virtual void OnStreamError(std::string_view what, int status) = 0;
    // Every byte written before Shutdown() has left this side.
    virtual void OnShutdown() = 0;
    virtual void OnDrained() = 0;
    // The stream is closed: the last callback.
    virtual void OnClosed() = 0;
  };

  struct WaterMarks {
    std::size_t high = std::size_t{8} << 20;
    std::size_t low = std::size_t{2} << 20;
  };

  struct Abandon {
    void operator()(ByteStream* stream) const { stream->AbandonAndClose(); }
  };
  using Ptr = std::unique_ptr<ByteStream, Abandon>;

  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Begins delivering to `listener` (once). On failure nothing is called.
  virtual Result<void> Start(Listener* listener, WaterMarks marks) = 0;
  // Queues `bytes` (non-empty). Fails with kIo when the stream is closing
  // or the transport refuses the write; later failures reach OnStreamError.
  virtual Result<void> Write(Bytes bytes) = 0;
  // Sends the half-close after the queued writes; OnShutdown (or
  // OnStreamError) follows.
  virtual void Shutdown() = 0;
  // Stops reading and closes; OnClosed follows. Idempotent.
  virtual void Close() = 0;
  // Flow control for a reader with a backlog: after PauseReading() no
  // OnRead or OnEof comes (what is unread stays with the transport) until
  // ResumeReading(). Both may be called from inside OnRead; no-ops once
  // closing.
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  virtual bool closing() const = 0;
  // The most one OnRead hands over, from the next read on (a transport
  // without its own read buffer ignores it). A session keeps it small until
  // the peer is authenticated, so a stranger's connection costs little.
  virtual void SetReadBufferSize(std::size_t bytes) { (void)bytes; }

  // Two legs (net/loop/tcp_stream.h, docs/protocol.md "Two legs"): a
  // relayed session's stream may have a second connection for one
  // direction. An initiator writes the second leg's opening with
  // WriteSecondLeg (a stream without one fails it with kInvalidArgument).
  // Once the responder's preamble is in: UseSecondLeg moves the
  // initiator's reads, or the responder's writes, to the second leg;
  // DropSecondLeg closes it unused. Both are no-ops without one.
  virtual bool has_second_leg() const { return false; }
  virtual Result<void> WriteSecondLeg(Bytes bytes) {
    (void)bytes;
    return Fail(ErrorCode::kInvalidArgument, "no second leg to write on");
  }
  virtual void UseSecondLeg() {}
  virtual void DropSecondLeg() {}

  // A buffer of `size` bytes (contents unspecified) to fill, shrink to what
  // was used and pass to Write(). Large buffers of completed writes are kept
  // (at most kMaxSpareBuffers) and handed out again, so a bulk transfer
  // neither faults in fresh pages nor zero-fills for every message.
  Bytes TakeBuffer(std::size_t size);
  // Frees the kept buffers (call when the stream has gone quiet).
  void ReleaseSpareBuffers() { spare_.clear(); }
  static constexpr std::size_t kMaxSpareBuffers = 2;
  static constexpr std::size_t kMinSpareCapacity = 256 * 1024;

  std::size_t WriteQueueBytes() const { return queued_bytes_; }
  bool AboveHighWater() const { return above_high_; }

 protected:
  ByteStream() = default;
  virtual ~ByteStream() = default;
  // Drops the listener and closes; the object frees itself when done.
  virtual void AbandonAndClose() = 0;

  // For implementations: a write of `size` bytes was accepted.
  void CountQueued(std::size_t size);
  // A write completed with libuv status `status` (0, or negative; a
  // cancelled write is UV_ECANCELED and reports nothing). Un-counts it,
  // keeps its buffer for reuse, and tells the listener of a failure or of
  // the drain.
  void FinishWrite(Bytes bytes, int status);

  Listener* listener_ = nullptr;  // null before Start and once abandoned
  WaterMarks marks_;

 private:
  std::vector<Bytes> spare_;  // recycled write buffers, see TakeBuffer
  std::size_t queued_bytes_ = 0;
  bool above_high_ = false;
};

using ByteStreamPtr = ByteStream::Ptr;

}  // namespace shoal::net
