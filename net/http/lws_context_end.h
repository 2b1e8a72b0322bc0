// LwsContextEnd: finishes destroying a libwebsockets context that runs on a
// foreign libuv loop.
//
// Debian's libwebsockets 4.1 ends such a context in two calls. The first
// lws_context_destroy() closes its connections and then its own uv handles
// (the idle and timer handles it tags with handle->data == context); the
// context itself, with its per-thread buffers, is freed only by a second
// lws_context_destroy() made once those handles have closed. Nothing in the
// library makes that second call on a foreign loop, so without it every
// context leaks (LeakSanitizer saw 330 KB per daemon at exit).
//
// Create one before lws_create_context() and give its slot() as
// info.pcontext (lws writes nullptr there once the context is freed). After
// the first lws_context_destroy(), Finish() hands it to the loop: a 1 ms
// timer waits until no handle on the loop is tagged with the context, makes
// the second call, and closes itself. The loop therefore runs until the
// context is freed, and EventLoop::Close() afterwards finds nothing open.
//
// It also holds the context's own descriptor numbers from the first call
// to the end (FdHold): lws 4.1 closes its cancel pipe in both.
//
// Thread: the loop's thread.
#pragma once

#include <uv.h>

#include <memory>

#include "net/http/fd_hold.h"

struct lws_context;

namespace shoal::net {

class LwsContextEnd {
 public:
  static std::unique_ptr<LwsContextEnd> Create(uv_loop_t* loop);
  LwsContextEnd(const LwsContextEnd&) = delete;
  LwsContextEnd& operator=(const LwsContextEnd&) = delete;
  ~LwsContextEnd() = default;

  // For info.pcontext: holds the context, nullptr once lws has freed it.
  lws_context** slot() { return &context_; }
  void set_context(lws_context* context) { context_ = context; }
  // NoteBefore()/NoteAfter() around the context's creation, Hold() right
  // after the first lws_context_destroy().
  FdHold& fds() { return fds_; }

  // Call after the first lws_context_destroy(context). Owns itself from
  // here until the context is freed.
  static void Finish(std::unique_ptr<LwsContextEnd> end);

 private:
  explicit LwsContextEnd(uv_loop_t* loop) : loop_(loop) {}
  static void OnTick(uv_timer_t* timer);
  bool LwsHandlesOpen() const;

  uv_loop_t* loop_;
  uv_timer_t timer_{};
  lws_context* context_ = nullptr;
  FdHold fds_;
};

}  // namespace shoal::net
