// TcpStream: a ByteStream (net/loop/byte_stream.h) over one connected libuv
// TCP handle, or over two, one for each direction ("legs").
//
// Ownership: TcpStream::Adopt takes a connected or accepted uv_tcp_t as a
// UvHandle (core/base/uv_handle.h) and returns a ByteStreamPtr, not reading
// until Start(). Destroying the pointer abandons the stream: the listener is
// never called again, the handles are closed, pending writes fail with
// UV_ECANCELED, and the TcpStream is freed in the last handle's close
// callback (each uv_tcp_t right after it). Each write owns its bytes until
// libuv calls back.
//
// Two legs (docs/protocol.md "Two legs"): a relayed session runs each
// direction on a connection of its own, because coturn can stop forwarding
// a connection that carries bulk data both ways at once. AdoptLegs takes the
// session's first connection and its second leg. Both sides begin on the
// first alone; the responder's preamble says whether it took the second,
// and then UseSecondLeg() moves the initiator's reads there (the second
// leg is not read before) and the responder's writes. DropSecondLeg()
// closes an unused one. Each side sends a zero byte on the leg it reads
// now and then (kNudge); a leg that is open but not read from is still
// watched: data on it other than those is a protocol violation
// (OnStreamError with UV_EPROTO), its EOF means nothing, an error on it is
// reported. OnClosed comes once both legs are closed.
//
// Thread: the loop's thread only. The listener may destroy the pointer from
// inside any of its callbacks.
#pragma once

#include <uv.h>

#include <array>
#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/byte_stream.h"

namespace shoal::net {

class TcpStream final : public ByteStream {
 public:
  enum class LegRole { kInitiator, kResponder };

  // Takes `tcp` (connected or accepted); Nagle is turned off. On failure
  // `tcp` is closed.
  static Result<ByteStreamPtr> Adopt(UvHandle<uv_tcp_t> tcp);
  // Takes a session's first connection and its second leg (see above).
  static Result<ByteStreamPtr> AdoptLegs(UvHandle<uv_tcp_t> first, UvHandle<uv_tcp_t> second,
                                         LegRole role);
  // One read hands the listener up to this many bytes unless told otherwise
  // (SetReadBufferSize): big enough that a bulk transfer costs few read(2)
  // calls, small enough to stay in cache.
  static constexpr std::size_t kDefaultReadBufferSize = 256 * 1024;
  // Two legs: a side sends one zero byte on the leg it reads once
  // kNudgeEvery bytes or more were read there since the last; the writer
  // discards zero bytes on that leg (see MaybeNudge in tcp_stream.cc).
  static constexpr std::uint8_t kNudge = 0;
  static constexpr std::size_t kNudgeEvery = 64 * 1024;

  Result<void> Start(Listener* listener, WaterMarks marks) override;
  Result<void> Write(Bytes bytes) override;
  Result<void> WriteSecondLeg(Bytes bytes) override;
  bool has_second_leg() const override { return static_cast<bool>(legs_[1].tcp); }
  void UseSecondLeg() override;
  void DropSecondLeg() override;
  void Shutdown() override;
  void Close() override;
  void PauseReading() override;
  void SetReadBufferSize(std::size_t bytes) override { read_buffer_size_ = bytes; }
  void ResumeReading() override;
  bool closing() const override { return closing_; }

 private:
  struct WriteRequest;
  // How a leg is read: the one the peer writes on, watched (see above), or
  // not at all yet (an initiator's second leg before the switch).
  enum class Use { kRead, kWatch, kParked };
  struct Leg {
    UvHandle<uv_tcp_t> tcp;  // empty once closing or dropped
    Use use = Use::kRead;
    bool reading = false;     // uv_read_start is in effect
    bool read_ended = false;  // EOF or a read error: reading never resumes
  };
  TcpStream(UvHandle<uv_tcp_t> first, UvHandle<uv_tcp_t> second, LegRole role);
  ~TcpStream() override = default;
  void AbandonAndClose() override;
  int LegOf(const uv_tcp_t* handle) const { return handle == leg_ptr_[1] ? 1 : 0; }
  Result<void> ReadStart(int leg);
  void ReadStop(int leg);
  void OnLegRead(int leg, ssize_t nread);
  void MaybeNudge(int leg, std::size_t read);
  static void OnHandleClosed(uv_tcp_t* handle) noexcept;

  LegRole role_;
  std::array<Leg, 2> legs_;
  std::array<uv_tcp_t*, 2> leg_ptr_{};  // identify callbacks; valid until closed
  int read_leg_ = 0;
  int write_leg_ = 0;
  std::size_t since_nudge_ = 0;  // bytes read since the last nudge
  int open_handles_ = 0;
  Bytes read_buffer_;  // allocated at the first read, resized between reads
  std::size_t read_buffer_size_ = kDefaultReadBufferSize;
  bool paused_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool abandoned_ = false;
  bool in_close_callback_ = false;
};

}  // namespace shoal::net
