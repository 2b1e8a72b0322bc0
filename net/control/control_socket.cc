#include "net/control/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::net {
namespace {

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return Fail(ErrorCode::kInvalidArgument,
                "control socket path '" + path + "' is empty or longer than " +
                    std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

std::string Errno(const std::string& what, int err) {
  std::string message = what;
  message.append(": ").append(std::strerror(err));
  return message;
}

// Removes a socket file nobody answers on; fails if one does.
Result<void> ReplaceStale(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return Fail(ErrorCode::kIo, Errno("control socket '" + path + "'", errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + path + "' exists and is not a socket; remove it if it is not needed");
  }
  auto live = ConnectControlSocket(path);
  if (live) {
    return Fail(ErrorCode::kBusy,
                "another shoal daemon is already running (it answers on '" + path + "')");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Fail(ErrorCode::kIo, Errno("remove stale control socket '" + path + "'", errno));
  }
  return {};
}

}  // namespace

Result<BoundControlSocket> BindControlSocket(const std::string& path, int backlog) {
  auto address = Address(path);
  if (!address) return address.error();
  if (auto stale = ReplaceStale(path); !stale) return stale.error();

  ScopedFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(ErrorCode::kIo, Errno("control socket", errno));
  // On Linux bind() gives the file the socket inode's mode (minus umask), so
  // this makes it 0600 from its first instant, without touching the
  // process-wide umask; the chmod below covers systems that ignore it.
  if (::fchmod(fd.get(), 0600) != 0) return Fail(ErrorCode::kIo, Errno("fchmod", errno));
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(sockaddr_un)) != 0) {
    return Fail(ErrorCode::kIo, Errno("bind control socket '" + path + "'", errno));
  }
  struct stat st {};
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return Fail(ErrorCode::kIo, Errno("chmod control socket '" + path + "'", err));
  }
  if ((st.st_mode & 0777) != 0600 || st.st_uid != ::geteuid()) {
    ::unlink(path.c_str());
    return Fail(ErrorCode::kUnauthorized,
                "control socket '" + path + "' could not be made private to its user (mode 0600)");
  }
  if (::listen(fd.get(), backlog) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return Fail(ErrorCode::kIo, Errno("listen on control socket '" + path + "'", err));
  }
  return BoundControlSocket{std::move(fd), st.st_dev, st.st_ino};
}

void RemoveControlSocket(const std::string& path, dev_t device, ino_t inode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == device && st.st_ino == inode) {
    ::unlink(path.c_str());
  }
}

Result<ScopedFd> ConnectControlSocket(const std::string& path) {
  auto address = Address(path);
  if (!address) return address.error();
  ScopedFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(ErrorCode::kIo, Errno("control socket", errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(sockaddr_un)) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return Fail(ErrorCode::kNotFound, "the daemon is not running — start it with `shoal daemon`");
    }
    if (err == EACCES) {
      return Fail(ErrorCode::kUnauthorized,
                  Errno("control socket '" + path + "' (another user's daemon?)", err));
    }
    return Fail(ErrorCode::kIo, Errno("connect to control socket '" + path + "'", err));
  }
  return fd;
}

}  // namespace shoal::net
