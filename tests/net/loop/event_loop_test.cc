#include "net/loop/event_loop.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/base/thread_priority.h"
#include "net/loop/loop_offload.h"

namespace shoal::net {

TEST_CASE("an idle event loop runs and closes cleanly", "[net][loop]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  (*loop)->Run();
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("closing a loop with an open handle fails and names the leak", "[net][loop]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto* timer = new uv_timer_t;
  REQUIRE(uv_timer_init((*loop)->get(), timer) == 0);
  auto busy = (*loop)->Close();
  REQUIRE_FALSE(busy);
  CHECK(busy.error().code == ErrorCode::kBusy);
  CHECK_THAT(busy.error().message, Catch::Contains("still open at close: timer"));

  uv_close(reinterpret_cast<uv_handle_t*>(timer),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  CHECK((*loop)->Close().has_value());
}

TEST_CASE("closing a loop first completes work still on the thread pool", "[net][loop]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  LoopOffload offload(**loop);
  std::atomic<bool> worked{false};
  bool done = false;
  offload.Run(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        worked = true;
      },
      [&] { done = true; });
  CHECK((*loop)->Close().has_value());  // the owner of the work has gone
  CHECK(worked);
  CHECK(done);
}

#ifdef __linux__
TEST_CASE("work offloaded to the thread pool runs at background priority, below the loop",
          "[net][loop]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  LoopOffload offload(**loop);
  const int loop_nice = ThisThreadNice();
  std::atomic<int> work_nice{-100};
  bool done = false;
  offload.Run([&] { work_nice = ThisThreadNice(); }, [&] { done = true; });
  (*loop)->Run();
  REQUIRE(done);
  CHECK(work_nice == std::min(loop_nice + kBackgroundNice, 19));
  CHECK(ThisThreadNice() == loop_nice);
  CHECK((*loop)->Close().has_value());
}
#endif

TEST_CASE("a timer fires on the loop thread and the loop then closes", "[net][loop]") {
  auto loop = EventLoop::Create();
  REQUIRE(loop);
  auto* timer = new uv_timer_t;
  int fired = 0;
  timer->data = &fired;
  REQUIRE(uv_timer_init((*loop)->get(), timer) == 0);
  REQUIRE(uv_timer_start(
              timer,
              [](uv_timer_t* t) {
                ++*static_cast<int*>(t->data);
                uv_close(reinterpret_cast<uv_handle_t*>(t),
                         [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
              },
              1, 0) == 0);
  (*loop)->Run();
  CHECK(fired == 1);
  CHECK((*loop)->Close().has_value());
}

}  // namespace shoal::net
