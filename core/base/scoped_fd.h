// ScopedFd: sole owner of one POSIX file descriptor. Move-only; the destructor
// closes it (errors from close() in the destructor are ignored because the
// descriptor is gone either way; call Close() to see them, e.g. after writes).
#pragma once

#include "core/base/result.h"

namespace shoal {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ~ScopedFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing; returns the descriptor.
  int Release();
  // Closes now and reports the error close() returned, if any.
  Result<void> Close();

 private:
  int fd_ = -1;
};

}  // namespace shoal
