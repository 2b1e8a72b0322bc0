// EventLoop: sole owner of one libuv loop (uv_loop_t). Every libuv handle in
// Shoal lives on the heap and is freed in its close callback; Close() runs
// the loop until those callbacks have fired and then requires
// uv_loop_close() to succeed, so a leaked handle is an error, not a silent
// leak (tests assert it).
//
// Thread: the loop and everything attached to it belong to the thread that
// calls Run(); no other thread touches them. Work on libuv's thread pool
// (LoopOffload: reads for peers) comes back through uv_queue_work's own
// completion; a scan's thread is polled for from a timer
// (cli/daemon/folder_runner.h). There is no uv_async_t of ours.
#pragma once

#include <uv.h>

#include <memory>

#include "core/base/result.h"

namespace shoal::net {

class EventLoop {
 public:
  static Result<std::unique_ptr<EventLoop>> Create();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Aborts if Close() was not called or failed: destroying a loop with live
  // handles would leave libuv callbacks pointing at freed memory.
  ~EventLoop();

  uv_loop_t* get() { return &loop_; }
  // Runs until there is nothing left to do (uv_run DEFAULT).
  void Run();
  // Runs one non-blocking iteration; true if handles remain active.
  bool RunOnce();
  // Finishes pending close callbacks and work still on the thread pool,
  // then closes the loop. Fails with kBusy (naming the kinds of handle
  // left) if any handle is still open.
  Result<void> Close();

 private:
  EventLoop() = default;

  uv_loop_t loop_{};
  bool open_ = false;
};

}  // namespace shoal::net
