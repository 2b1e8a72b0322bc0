// StunChannel: STUN messages (net/reach/stun_message.h) over one connected
// TCP connection to a TURN server, one whole message per callback.
//
// It reads each message exactly (its 20-byte header, then the length the
// header names) and never a byte past it. That is what RFC 6062 data
// connections need: once ConnectionBind succeeds, the very next byte is the
// peer's, so Release() hands the connection on with nothing swallowed.
//
// Callbacks: `on_message` with the raw bytes of each message (decode with
// the key the caller knows), or `on_error` once, after which nothing more is
// called. Both run on the loop thread, never from inside Send or Start, and
// may destroy the channel.
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/base/uv_handle.h"

namespace shoal::net {

class StunChannel {
 public:
  using OnMessage = std::function<void(Bytes message)>;
  using OnError = std::function<void(const Error& error)>;

  // Takes a connected `tcp` and starts reading.
  static Result<std::unique_ptr<StunChannel>> Start(UvHandle<uv_tcp_t> tcp, OnMessage on_message,
                                                    OnError on_error);
  StunChannel(const StunChannel&) = delete;
  StunChannel& operator=(const StunChannel&) = delete;
  ~StunChannel();

  // Queues one encoded message. A failed write reaches on_error.
  Result<void> Send(Bytes message);

  // Stops reading and returns the connection: its next unread byte is the
  // first after the last message delivered. Writes already queued complete
  // on their own. No callback follows.
  UvHandle<uv_tcp_t> Release();

 private:
  struct Write;
  StunChannel(UvHandle<uv_tcp_t> tcp, OnMessage on_message, OnError on_error);
  std::size_t Wanted() const;  // bytes still needed for the current step
  void OnBytes(std::size_t count);
  void Failed(Error error);

  UvHandle<uv_tcp_t> tcp_;
  OnMessage on_message_;
  OnError on_error_;
  Bytes buffer_;                 // the message being read
  std::size_t have_ = 0;         // bytes of it read so far
  std::shared_ptr<bool> alive_;  // cleared on destruction; writes check it
};

}  // namespace shoal::net
