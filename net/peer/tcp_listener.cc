#include "net/peer/tcp_listener.h"

#include <string>

#include "core/base/log.h"
#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

uv_stream_t* AsStream(uv_tcp_t* tcp) { return reinterpret_cast<uv_stream_t*>(tcp); }

void CloseAndFree(uv_tcp_t* tcp) {
  tcp->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(tcp),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
}

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

TcpListener::TcpListener(uv_tcp_t* server, OnAccept on_accept)
    : server_(server), on_accept_(std::move(on_accept)) {
  server_->data = this;
}

TcpListener::~TcpListener() { CloseAndFree(server_); }

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
  auto* server = new uv_tcp_t;
  if (int rc = uv_tcp_init(loop.get(), server); rc != 0) {
    delete server;  // not registered with the loop when init fails
    return ListenError(where, "uv_tcp_init", rc);
  }
  std::unique_ptr<TcpListener> listener(new TcpListener(server, std::move(on_accept)));
  if (int rc = uv_tcp_bind(server, reinterpret_cast<const sockaddr*>(&*address), 0); rc != 0) {
    return ListenError(where, "bind", rc);
  }
  if (int rc = uv_listen(AsStream(server), 128, &TcpListener::OnConnection); rc != 0) {
    return ListenError(where, "listen", rc);
  }
  sockaddr_storage bound{};
  int length = sizeof(bound);
  if (int rc = uv_tcp_getsockname(server, reinterpret_cast<sockaddr*>(&bound), &length); rc != 0) {
    return ListenError(where, "getsockname", rc);
  }
  listener->port_ = bound.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return listener;
}

void TcpListener::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpListener*>(server->data);
  if (self == nullptr) return;
  if (status != 0) {
    SHOAL_LOG(kWarning) << "listener: accept failed: " << uv_strerror(status);
    return;
  }
  auto* client = new uv_tcp_t;
  if (int rc = uv_tcp_init(server->loop, client); rc != 0) {
    delete client;
    SHOAL_LOG(kWarning) << "listener: uv_tcp_init: " << uv_strerror(rc);
    return;
  }
  if (int rc = uv_accept(server, AsStream(client)); rc != 0) {
    SHOAL_LOG(kWarning) << "listener: accept failed: " << uv_strerror(rc);
    CloseAndFree(client);
    return;
  }
  sockaddr_storage remote{};
  int length = sizeof(remote);
  std::string remote_text = "unknown";
  if (uv_tcp_getpeername(client, reinterpret_cast<sockaddr*>(&remote), &length) == 0) {
    remote_text = AddressText(reinterpret_cast<sockaddr*>(&remote));
  }
  self->on_accept_(client, std::move(remote_text));
}

}  // namespace shoal::net
