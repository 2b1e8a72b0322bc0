#include "net/peer/tcp_listener.h"

#include <string>

#include "core/base/log.h"
#include "net/peer/shared_port.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

// libuv reports a taken port from bind or, deferred, from listen.
Unexpected ListenError(const std::string& where, const char* step, int rc) {
  if (rc == UV_EADDRINUSE) return Fail(ErrorCode::kBusy, "address " + where + " is in use");
  if (rc == UV_EADDRNOTAVAIL) {
    return Fail(ErrorCode::kInvalidArgument, "address " + where + " is not a local address");
  }
  std::string message("listen on ");
  message.append(where).append(": ").append(step).append(": ").append(uv_strerror(rc));
  return Fail(ErrorCode::kIo, std::move(message));
}

}  // namespace

TcpListener::TcpListener(UvHandle<uv_tcp_t> server, OnAccept on_accept)
    : on_accept_(std::move(on_accept)), server_(std::move(server)) {
  server_->data = this;
}

TcpListener::~TcpListener() = default;

Result<std::unique_ptr<TcpListener>> TcpListener::Start(EventLoop& loop, const std::string& host,
                                                        int port, OnAccept on_accept) {
  std::string where = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  where.append(":").append(std::to_string(port));
  if (port < 0 || port > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "listen on " + where + ": port out of range");
  }
  auto address = NumericAddress(host, port);
  if (!address) {
    return Fail(ErrorCode::kInvalidArgument,
                "listen on " + where + ": not a numeric IPv4 or IPv6 address");
  }
  // The port is shared with hole punching's dials (net/peer/shared_port.h),
  // but not with another program: one that holds it means "in use".
  if (port != 0 && !PortAvailable(*address)) return ListenError(where, "bind", UV_EADDRINUSE);
  auto server = BindSharedPort(loop, *address);
  if (!server) {
    if (server.error().code == ErrorCode::kBusy) return ListenError(where, "bind", UV_EADDRINUSE);
    return server.error().Wrap("listen on " + where);
  }
  std::unique_ptr<TcpListener> listener(new TcpListener(std::move(*server), std::move(on_accept)));
  uv_tcp_t* tcp = listener->server_.get();
  if (int rc = uv_listen(listener->server_.stream(), 128, &TcpListener::OnConnection); rc != 0) {
    return ListenError(where, "listen", rc);
  }
  sockaddr_storage bound{};
  int length = sizeof(bound);
  if (int rc = uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &length); rc != 0) {
    return ListenError(where, "getsockname", rc);
  }
  listener->port_ = bound.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return listener;
}

void TcpListener::OnConnection(uv_stream_t* server, int status) noexcept {
  auto* self = static_cast<TcpListener*>(server->data);
  if (status != 0) {
    self->AcceptFailed(status);
    return;
  }
  auto client = UvHandle<uv_tcp_t>::Init(server->loop, uv_tcp_init);
  if (!client) {
    SHOAL_LOG(kWarning) << "listener: " << client.error().message;
    return;
  }
  if (int rc = uv_accept(server, client->stream()); rc != 0) {
    self->AcceptFailed(rc);
    return;  // `client` closes
  }
  sockaddr_storage remote{};
  int length = sizeof(remote);
  std::string remote_text = "unknown";
  if (uv_tcp_getpeername(client->get(), reinterpret_cast<sockaddr*>(&remote), &length) == 0) {
    remote_text = AddressText(reinterpret_cast<sockaddr*>(&remote));
  }
  self->on_accept_(std::move(*client), std::move(remote_text));
}

void TcpListener::AcceptFailed(int status) {
  ++failed_accepts_;
  const std::uint64_t now = uv_now(server_->loop);
  if (failure_logged_ms_ != 0 && now - failure_logged_ms_ < 10'000) return;
  SHOAL_LOG(kWarning) << "listener: accept failed: " << uv_strerror(status) << " ("
                      << failed_accepts_ << " failed since the last report)";
  failed_accepts_ = 0;
  failure_logged_ms_ = now;
}

}  // namespace shoal::net
