// LoopOffload: Offload (core/base/offload.h) on libuv's thread pool
// (uv_queue_work). `done` runs on the loop thread; work still queued when
// the loop closes runs first (EventLoop::Close runs the loop until every
// request has completed).
#pragma once

#include "core/base/offload.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

class LoopOffload final : public Offload {
 public:
  explicit LoopOffload(EventLoop& loop) : loop_(loop) {}
  void Run(std::function<void()> work, std::function<void()> done) override;

 private:
  EventLoop& loop_;
};

}  // namespace shoal::net
