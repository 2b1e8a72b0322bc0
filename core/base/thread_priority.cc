#include "core/base/thread_priority.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace shoal {

#ifdef __linux__
namespace {

id_t ThisThreadId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

}  // namespace

void RunAtBackgroundPriority() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  // Relative to the process's own value, so a daemon the user already
  // started under `nice` keeps its bulk threads below its loop.
  const int process = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::getpid()));
  // Failure (a seccomp filter, say) leaves the thread at the loop's
  // priority: slower answers under load, nothing worse.
  (void)::setpriority(PRIO_PROCESS, ThisThreadId(), process + kBackgroundNice);
}

int ThisThreadNice() {
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, ThisThreadId());
  return errno == 0 ? nice : 0;
}
#else
void RunAtBackgroundPriority() {}
int ThisThreadNice() { return 0; }
#endif

}  // namespace shoal
