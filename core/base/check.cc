#include "core/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace shoal::internal {

void CheckFailed(const char* expr, const char* file, int line, const char* message) {
  // fprintf rather than the logger: the logger may be what is broken.
  std::fprintf(stderr, "FATAL %s:%d: check failed: %s: %s\n", file, line, expr, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace shoal::internal
