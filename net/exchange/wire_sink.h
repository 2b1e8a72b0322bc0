// WireSink: the sending half of an established session, as SessionExchange
// needs it. Session satisfies it through SessionSink; tests plug in a sink
// that encodes, decodes and hands the bytes to another exchange, so the
// mapping is tested without sockets.
#pragma once

#include <cstdint>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/session/session.h"
#include "net/wire/messages.h"

namespace shoal::net {

class WireSink {
 public:
  virtual ~WireSink() = default;
  // As Session::Send and Session::SendResponse.
  virtual Result<void> Send(const wire::PeerMessage& message) = 0;
  virtual Result<void> SendResponse(std::uint32_t request_id, wire::ResponseCode code,
                                    ByteSpan block) = 0;
  // False while the write queue is above its high-water mark: the exchange
  // then holds back serving blocks until OnWritable (backpressure).
  virtual bool writable() const { return true; }
  // The peer decodes block-list deltas in index entries.
  virtual bool accepts_block_deltas() const { return false; }
};

// Forwards to a Session, which must outlive it.
class SessionSink final : public WireSink {
 public:
  explicit SessionSink(Session& session) : session_(session) {}
  Result<void> Send(const wire::PeerMessage& message) override { return session_.Send(message); }
  Result<void> SendResponse(std::uint32_t request_id, wire::ResponseCode code,
                            ByteSpan block) override {
    return session_.SendResponse(request_id, code, block);
  }
  bool writable() const override { return session_.writable(); }
  bool accepts_block_deltas() const override { return session_.peer_accepts_block_deltas(); }

 private:
  Session& session_;
};

}  // namespace shoal::net
