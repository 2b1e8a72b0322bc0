#include "core/base/scoped_fd.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal {

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    (void)Close();  // the old descriptor is released either way
    fd_ = other.Release();
  }
  return *this;
}

ScopedFd::~ScopedFd() { (void)Close(); }

int ScopedFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Result<void> ScopedFd::Close() {
  if (fd_ < 0) return {};
  // On Linux the descriptor is freed even when close() fails (EINTR included),
  // so it must never be retried.
  int rc = ::close(Release());
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("close: ") + std::strerror(errno));
  return {};
}

}  // namespace shoal
