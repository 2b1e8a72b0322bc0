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
  // Work still on the thread pool (a pull's group sync whose puller has
  // gone) completes first, as LoopOffload promises: its callback then only
  // frees what it holds. Closing without it failed now and then.
  while (rc == UV_EBUSY && loop_.active_reqs.count > 0) {
    uv_run(&loop_, UV_RUN_ONCE);
    rc = uv_loop_close(&loop_);
  }
  if (rc == UV_EBUSY) {
    std::string open_handles;  // their kinds, to say which leaked
    uv_walk(
        &loop_,
        [](uv_handle_t* handle, void* kinds) noexcept {
          auto& text = *static_cast<std::string*>(kinds);
          text.append(text.empty() ? "" : ", ").append(uv_handle_type_name(handle->type));
        },
        &open_handles);
    if (open_handles.empty()) open_handles = "none (a request is still pending)";
    return Fail(ErrorCode::kBusy, "event loop: still open at close: " + open_handles);
  }
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_loop_close: ") + uv_strerror(rc));
  open_ = false;
  return {};
}

}  // namespace shoal::net
