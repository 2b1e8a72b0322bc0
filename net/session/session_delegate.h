// What a Session reports to its owner (net/session/session.h): the peer's
// Hello, each decoded message (one OnMessage for every wire::PeerMessage),
// write-queue relief, and how it ended.
//
// Order: OnEstablished first (after the peer's Hello), then messages in the
// order they arrived, then OnEnd exactly once and nothing after it. A peer
// that refuses us may send Close without Hello: OnClose then OnEnd, with no
// OnEstablished. A pairing session (handshake type 2) never calls
// OnEstablished: OnPaired once the comparison exchange completed, then OnEnd.
// All calls come from the loop thread.
#pragma once

#include <string>
#include <string_view>

#include "core/model/device_id.h"
#include "net/wire/messages.h"

namespace shoal::net {

enum class SessionEnd {
  kClosedByPeer,   // the peer sent Close (its reason is in the detail)
  kTruncated,      // EOF without Close: treat as failed, retry
  kProtocolError,  // the peer sent something malformed or out of order
  kUnauthorized,   // the peer's device is not paired with us
  kTimeout,        // handshake took too long, or nothing received for too long
  kLocalClose,     // Session::Close(), or a pairing session that completed
  kIoError,        // the socket failed (reset, refused write, ...)
};
std::string_view SessionEndName(SessionEnd end);
// The connection failed under the session (timed out, reset, or closed
// without Close) rather than either side choosing to end it.
bool IsConnectionFailure(SessionEnd end);

struct SessionEndInfo {
  SessionEnd end = SessionEnd::kLocalClose;
  std::string detail;  // human sentence for the log
};

class SessionDelegate {
 public:
  virtual ~SessionDelegate() = default;
  virtual void OnEstablished(const wire::Hello& peer_hello) = 0;
  // ClusterConfig, Index, IndexUpdate, Request or Response, in arrival order.
  virtual void OnMessage(wire::PeerMessage message) = 0;
  virtual void OnPing() {}
  // The peer's Close; OnEnd(kClosedByPeer) follows.
  virtual void OnClose(const wire::Close& /*message*/) {}
  // The write queue fell below the low-water mark after reaching the high one.
  virtual void OnWritable() {}
  // Pairing sessions only: the peer proved it holds the same invite (its
  // PairAccept arrived under keys derived from the psk and both static
  // keys) and the comparison exchange completed (the joiner's nonce opened
  // its commitment). `comparison_code` ("123 456") is what both devices
  // show their owners. The session then closes by itself
  // (OnEnd(kLocalClose)); the owner stores `peer` as paired and consumes
  // the invite here.
  virtual void OnPaired(const DeviceId& /*peer*/, const wire::PairAccept& /*accept*/,
                        const std::string& /*comparison_code*/) {}
  // The peer's Punch (hole punching, docs/protocol.md "Hole punching").
  virtual void OnPunch(const wire::Punch& /*message*/) {}
  virtual void OnEnd(const SessionEndInfo& end) = 0;
};

}  // namespace shoal::net
