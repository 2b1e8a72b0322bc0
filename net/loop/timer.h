// Timer: one libuv timer (uv_timer_t) with a C++ callback.
//
// The uv handle and the callback live in one heap block that is freed only
// in the handle's close callback, so the Timer may be destroyed at any time,
// even from inside its own callback: the handle is closed (it never fires
// again) and the block goes when libuv is done with it.
//
// Thread: the loop's thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "core/base/result.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

class Timer {
 public:
  static Result<std::unique_ptr<Timer>> Create(EventLoop& loop);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  // Fires `callback` once after `delay` (replacing any pending start).
  void Start(std::chrono::milliseconds delay, std::function<void()> callback);
  void Stop();

 private:
  struct Block;
  explicit Timer(Block* block) : block_(block) {}

  Block* block_;  // freed in the close callback, not here
};

}  // namespace shoal::net
