#include "net/loop/timer.h"

#include <string>

namespace shoal::net {

struct Timer::Block {
  uv_timer_t handle{};  // first member: the close callback casts back to Block
  std::function<void()> callback;
};

Result<std::unique_ptr<Timer>> Timer::Create(EventLoop& loop) {
  auto* block = new Block;
  int rc = uv_timer_init(loop.get(), &block->handle);
  if (rc != 0) {
    delete block;  // uv_timer_init fails before registering the handle
    return Fail(ErrorCode::kIo, std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  block->handle.data = block;
  return std::unique_ptr<Timer>(new Timer(block));
}

Timer::~Timer() {
  uv_timer_stop(&block_->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&block_->handle),
           [](uv_handle_t* handle) { delete static_cast<Block*>(handle->data); });
}

void Timer::Start(std::chrono::milliseconds delay, std::function<void()> callback) {
  block_->callback = std::move(callback);
  const auto ms = static_cast<std::uint64_t>(delay.count() < 0 ? 0 : delay.count());
  int rc = uv_timer_start(
      &block_->handle,
      [](uv_timer_t* handle) {
        // Run a copy: the callback may restart this timer with a new one.
        auto run = static_cast<Block*>(handle->data)->callback;
        run();
      },
      ms, 0);
  SHOAL_CHECK(rc == 0, "uv_timer_start on an open timer cannot fail");
}

void Timer::Stop() { uv_timer_stop(&block_->handle); }

}  // namespace shoal::net
