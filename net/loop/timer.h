// Timer: one libuv timer (uv_timer_t) with a C++ callback.
//
// The uv handle is a UvHandle (core/base/uv_handle.h), so the Timer may be
// destroyed at any time, even from inside its own callback: the handle is
// closed (it never fires again) and freed when libuv is done with it, on a
// later loop turn. The callback runs as a copy, so destroying the Timer or
// restarting it from inside is safe.
//
// Thread: the loop's thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

class Timer {
 public:
  static Result<std::unique_ptr<Timer>> Create(EventLoop& loop);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires `callback` once after `delay` (replacing any pending start).
  void Start(std::chrono::milliseconds delay, std::function<void()> callback);
  void Stop();

 private:
  explicit Timer(UvHandle<uv_timer_t> handle);

  std::function<void()> callback_;
  UvHandle<uv_timer_t> handle_;  // data points here; closed with the Timer
};

}  // namespace shoal::net
