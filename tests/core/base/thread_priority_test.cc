// The bulk threads' background priority: kBackgroundNice below the thread
// that asked for nothing, inherited by the threads a bulk thread starts, and
// applied once however often it is asked for.
#include "core/base/thread_priority.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

namespace shoal {

#ifdef __linux__
namespace {

// Linux caps nice values at 19.
int Expected(int base) { return std::min(base + kBackgroundNice, 19); }

}  // namespace

TEST_CASE(
    "a thread at background priority runs kBackgroundNice below the process, once, and "
    "threads it starts inherit that",
    "[base][thread_priority]") {
  const int loop_nice = ThisThreadNice();
  int bulk = -100, again = -100, child = -100;
  std::thread([&] {
    RunAtBackgroundPriority();
    bulk = ThisThreadNice();
    RunAtBackgroundPriority();  // asked twice: still one step down
    again = ThisThreadNice();
    std::thread([&] { child = ThisThreadNice(); }).join();
  }).join();
  CHECK(bulk == Expected(loop_nice));
  CHECK(again == Expected(loop_nice));
  CHECK(child == Expected(loop_nice));
  CHECK(ThisThreadNice() == loop_nice);  // the asking thread's own only
}
#endif

}  // namespace shoal
