#include "net/loop/timer.h"

namespace shoal::net {

Result<std::unique_ptr<Timer>> Timer::Create(EventLoop& loop) {
  auto handle = UvHandle<uv_timer_t>::Init(loop.get(), uv_timer_init);
  if (!handle) return handle.error();
  return std::unique_ptr<Timer>(new Timer(std::move(*handle)));
}

Timer::Timer(UvHandle<uv_timer_t> handle) : handle_(std::move(handle)) { handle_->data = this; }

void Timer::Start(std::chrono::milliseconds delay, std::function<void()> callback) {
  callback_ = std::move(callback);
  const auto ms = static_cast<std::uint64_t>(delay.count() < 0 ? 0 : delay.count());
  int rc = uv_timer_start(
      handle_.get(),
      [](uv_timer_t* handle) noexcept {
        // Run a copy: the callback may restart this timer with a new one, or
        // destroy it.
        auto run = static_cast<Timer*>(handle->data)->callback_;
        run();
      },
      ms, 0);
  SHOAL_CHECK(rc == 0, "uv_timer_start on an open timer cannot fail");
}

void Timer::Stop() { uv_timer_stop(handle_.get()); }

}  // namespace shoal::net
