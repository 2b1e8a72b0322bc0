#include "net/http/lws_context_end.h"

#include <libwebsockets.h>

namespace shoal::net {

std::unique_ptr<LwsContextEnd> LwsContextEnd::Create(uv_loop_t* loop) {
  return std::unique_ptr<LwsContextEnd>(new LwsContextEnd(loop));
}

bool LwsContextEnd::LwsHandlesOpen() const {
  struct Search {
    const void* tag;
    bool found = false;
  } search{context_};
  uv_walk(
      loop_,
      [](uv_handle_t* handle, void* arg) noexcept {
        auto* s = static_cast<Search*>(arg);
        if (handle->data == s->tag) s->found = true;
      },
      &search);
  return search.found;
}

void LwsContextEnd::Finish(std::unique_ptr<LwsContextEnd> end) {
  if (end->context_ == nullptr) return;  // lws finished on its own
  LwsContextEnd* self = end.release();
  uv_timer_init(self->loop_, &self->timer_);
  self->timer_.data = self;
  uv_timer_start(&self->timer_, &LwsContextEnd::OnTick, 1, 1);
}

void LwsContextEnd::OnTick(uv_timer_t* timer) {
  auto* self = static_cast<LwsContextEnd*>(timer->data);
  if (self->context_ != nullptr) {
    if (self->LwsHandlesOpen()) return;  // their close callbacks still to come
    // The second call: lws_context_destroy2 and 3 free the context and set
    // the slot to nullptr.
    lws_context_destroy(self->context_);
  }
  uv_timer_stop(timer);
  uv_close(reinterpret_cast<uv_handle_t*>(timer),
           [](uv_handle_t* handle) { delete static_cast<LwsContextEnd*>(handle->data); });
}

}  // namespace shoal::net
