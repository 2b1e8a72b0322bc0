#include "core/base/clock.h"

#include <chrono>

namespace shoal {

std::int64_t SystemClock::NowUnixNanos() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
}

}  // namespace shoal
