#include "net/http/fd_hold.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iterator>

namespace shoal::net {
namespace {

// The process's open descriptors, sorted.
std::vector<int> OpenFds() {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  const int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != own) fds.push_back(fd);
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  return fds;
}

bool SameFile(int a, int b) {
  struct stat sa {};
  struct stat sb {};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

FdHold::~FdHold() {
  if (placeholder_ < 0) return;
  for (int fd : held_) {
    if (SameFile(fd, placeholder_)) close(fd);
  }
  close(placeholder_);
}

void FdHold::NoteBefore() { before_ = OpenFds(); }

void FdHold::NoteAfter() {
  const std::vector<int> after = OpenFds();
  noted_.clear();
  std::set_difference(after.begin(), after.end(), before_.begin(), before_.end(),
                      std::back_inserter(noted_));
  before_.clear();
  // Made now, while the library's descriptors are all open, so that it
  // never takes one of their numbers.
  if (!noted_.empty() && placeholder_ < 0)
    placeholder_ = memfd_create("shoal-fd-hold", MFD_CLOEXEC);
}

void FdHold::Hold() {
  if (placeholder_ < 0) return;  // nothing noted, or no memfd to hold with
  for (int fd : noted_) {
    if (fd == placeholder_) continue;
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;  // still open
    // The lowest free number from `fd` on, atomically: `fd` itself unless
    // another thread took it since the check.
    const int got = fcntl(placeholder_, F_DUPFD_CLOEXEC, fd);
    if (got == fd) {
      held_.push_back(fd);
    } else if (got >= 0) {
      close(got);
    }
  }
  noted_.clear();
}

}  // namespace shoal::net
