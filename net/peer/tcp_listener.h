// TcpListener: a listening TCP socket that hands each accepted connection to
// a callback, with the remote address as text ("10.0.0.2:51234").
//
// Ownership: the listening uv_tcp_t is a UvHandle (core/base/uv_handle.h);
// destroying the TcpListener closes it (no callback after that), and it is
// freed when the loop next runs (or in EventLoop::Close()). Each accepted
// connection is handed to `on_accept` by value: it keeps it, hands it on
// (Session::Start) or lets it go, which closes it.
//
// Thread: the loop's thread only. `on_accept` may destroy the TcpListener.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

class TcpListener {
 public:
  using OnAccept = std::function<void(UvHandle<uv_tcp_t> tcp, std::string remote_address)>;

  // Binds `host` (numeric IPv4 or IPv6: "0.0.0.0", "::", "127.0.0.1"; "::"
  // also accepts IPv4 where the OS allows dual-stack) and `port` (0: the
  // kernel picks one, see port()). Fails with kBusy "address H:P is in use"
  // when another socket holds the port, kInvalidArgument for a bad host or
  // port, kIo otherwise.
  static Result<std::unique_ptr<TcpListener>> Start(EventLoop& loop, const std::string& host,
                                                    int port, OnAccept on_accept);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener();

  // The bound port (the kernel's choice when Start was given 0).
  int port() const { return port_; }

 private:
  TcpListener(UvHandle<uv_tcp_t> server, OnAccept on_accept);
  static void OnConnection(uv_stream_t* server, int status) noexcept;
  // A failed accept (out of fds under a flood) is logged at most every
  // 10 s, with how many failed since.
  void AcceptFailed(int status);

  OnAccept on_accept_;
  UvHandle<uv_tcp_t> server_;  // data points here
  int port_ = 0;
  std::uint64_t failed_accepts_ = 0;
  std::uint64_t failure_logged_ms_ = 0;
};

}  // namespace shoal::net
