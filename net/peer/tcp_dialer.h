// TcpDialer: one outgoing TCP connection attempt to "host:port" (see
// net/peer/socket_address.h for the forms), with a deadline. A hostname is
// resolved with uv_getaddrinfo and its addresses are tried in turn; the
// deadline covers resolving and every attempt.
//
// The callback runs exactly once, on the loop thread, with the connected
// uv_tcp_t, which it owns (it keeps it, hands it on to Session::Start, or
// lets it go, which closes it), or an error: kInvalidArgument for
// a malformed address, kNotFound when the name does not resolve, kIo for a
// refused or unreachable connection or the deadline. Never called from
// inside Start().
//
// Cancelling: destroying the TcpDialer before the callback ran cancels the
// attempt; no callback follows, and the handle it used is closed and freed
// by libuv's callbacks (run the loop, or EventLoop::Close(), afterwards). The
// callback may destroy the TcpDialer.
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/pending_dial.h"

namespace shoal::net {

class TcpDialer final : public PendingDial {
 public:
  using Callback = std::function<void(Result<UvHandle<uv_tcp_t>> connected)>;

  // With `local_port`, the connection leaves from that port, shared with
  // our listener (net/peer/shared_port.h): hole punching.
  static Result<std::unique_ptr<TcpDialer>> Start(EventLoop& loop, const std::string& address,
                                                  std::chrono::milliseconds timeout, Callback done,
                                                  int local_port = 0);
  TcpDialer(const TcpDialer&) = delete;
  TcpDialer& operator=(const TcpDialer&) = delete;
  ~TcpDialer() override;

  const std::string& address() const { return address_; }

 private:
  struct Resolve;  // an in-flight uv_getaddrinfo; outlives us if cancelled
  struct Attempt;  // an in-flight uv_tcp_connect; outlives us if cancelled

  TcpDialer(EventLoop& loop, std::string address, Callback done);
  void OnResolved(int status, const addrinfo* results);
  void ConnectNext();
  void OnConnected(Attempt* attempt, int status);
  void Finish(Result<UvHandle<uv_tcp_t>> result);  // last thing any path does: may destroy us
  void Abandon();

  EventLoop& loop_;
  std::string address_;
  int local_port_ = 0;
  Callback done_;
  std::unique_ptr<Timer> deadline_;
  std::unique_ptr<Timer> kick_;  // runs Finish/ConnectNext outside Start()
  std::vector<sockaddr_storage> candidates_;
  std::size_t next_candidate_ = 0;
  std::string last_error_;
  Resolve* resolve_ = nullptr;
  Attempt* attempt_ = nullptr;
};

}  // namespace shoal::net
