#include "net/loop/event_loop.h"

#include <string>

namespace shoal::net {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  int rc = uv_loop_init(&loop->loop_);
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_loop_init: ") + uv_strerror(rc));
  loop->open_ = true;
  return loop;
}

EventLoop::~EventLoop() { SHOAL_CHECK(!open_, "EventLoop destroyed without a successful Close()"); }

void EventLoop::Run() { uv_run(&loop_, UV_RUN_DEFAULT); }

bool EventLoop::RunOnce() { return uv_run(&loop_, UV_RUN_NOWAIT) != 0; }

Result<void> EventLoop::Close() {
  if (!open_) return {};
  // Let close callbacks that are already queued run, so their handles free.
  uv_run(&loop_, UV_RUN_NOWAIT);
  int rc = uv_loop_close(&loop_);
  if (rc == UV_EBUSY) {
    int open_handles = 0;
    uv_walk(
        &loop_, [](uv_handle_t*, void* count) noexcept { ++*static_cast<int*>(count); },
        &open_handles);
    return Fail(ErrorCode::kBusy,
                "event loop: " + std::to_string(open_handles) + " handle(s) still open at close");
  }
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_loop_close: ") + uv_strerror(rc));
  open_ = false;
  return {};
}

}  // namespace shoal::net
