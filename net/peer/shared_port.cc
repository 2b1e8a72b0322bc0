#include "net/peer/shared_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace shoal::net {
namespace {

socklen_t Length(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

}  // namespace

Result<UvHandle<uv_tcp_t>> BindSharedPort(EventLoop& loop, const sockaddr_storage& address) {
  auto tcp = UvHandle<uv_tcp_t>::Init(loop.get(), uv_tcp_init_ex,
                                      static_cast<unsigned>(address.ss_family));
  if (!tcp) return tcp.error();
  uv_os_fd_t fd = -1;
  if (int rc = uv_fileno(reinterpret_cast<uv_handle_t*>(tcp->get()), &fd); rc != 0) {
    return Fail(ErrorCode::kIo, std::string("shared port: uv_fileno: ") + uv_strerror(rc));
  }
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return Fail(ErrorCode::kIo, std::string("shared port: SO_REUSEPORT: ") + std::strerror(errno));
  }
  // uv_tcp_bind sets SO_REUSEADDR itself.
  if (int rc = uv_tcp_bind(tcp->get(), reinterpret_cast<const sockaddr*>(&address), 0); rc != 0) {
    if (rc == UV_EADDRINUSE) return Fail(ErrorCode::kBusy, "shared port: the port is in use");
    return Fail(ErrorCode::kIo, std::string("shared port: bind: ") + uv_strerror(rc));
  }
  return tcp;
}

bool PortAvailable(const sockaddr_storage& address) {
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // let the real bind report what is wrong
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as libuv's bind does
  const bool taken = bind(fd, reinterpret_cast<const sockaddr*>(&address), Length(address)) != 0 &&
                     errno == EADDRINUSE;
  close(fd);
  return !taken;
}

sockaddr_storage AnyAddress(int family, int port) {
  sockaddr_storage storage{};
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_any;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_ANY);
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
  }
  return storage;
}

}  // namespace shoal::net
