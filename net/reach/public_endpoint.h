// PublicEndpointProbe: learns the public "IP:PORT" that a local port (a
// punch round's) maps to behind a NAT, for hole punching (docs/protocol.md
// "Hole punching"). It connects from that port itself (shared,
// net/peer/shared_port.h) to a STUN server over TCP — the TURN server we
// use as a relay answers Binding requests — and reads XOR-MAPPED-ADDRESS.
// A NAT that keeps the mapping of one local port for every destination
// (port-preserving or endpoint-independent) shows peers the same endpoint.
//
// The callback runs once, on the loop thread, never from inside Start,
// unless the probe is destroyed first (that cancels it). Fails with kIo
// (connect, deadline), kProtocol (not STUN) or kNotFound (no mapped address
// in the answer).
//
// Thread: the loop's thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/pending_dial.h"
#include "net/peer/tcp_dialer.h"
#include "net/reach/stun_channel.h"
#include "net/reach/stun_message.h"

namespace shoal::net {

class PublicEndpointProbe final : public PendingDial {
 public:
  using Callback = std::function<void(Result<std::string> endpoint)>;

  static Result<std::unique_ptr<PublicEndpointProbe>> Start(EventLoop& loop,
                                                            const std::string& stun_server,
                                                            int local_port,
                                                            std::chrono::milliseconds timeout,
                                                            Callback done);
  PublicEndpointProbe(const PublicEndpointProbe&) = delete;
  PublicEndpointProbe& operator=(const PublicEndpointProbe&) = delete;
  ~PublicEndpointProbe() override;

 private:
  PublicEndpointProbe(std::string server, Callback done);
  void OnConnected(Result<UvHandle<uv_tcp_t>> connected);
  void OnMessage(ByteSpan bytes);
  void Finish(Result<std::string> result);  // last thing any path does: may destroy us

  std::string server_;
  Callback done_;
  stun::TransactionId transaction_{};
  std::unique_ptr<TcpDialer> dial_;
  std::unique_ptr<StunChannel> channel_;
  std::unique_ptr<Timer> deadline_;
};

}  // namespace shoal::net
