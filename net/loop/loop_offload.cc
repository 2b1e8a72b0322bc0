#include "net/loop/loop_offload.h"

#include <memory>

#include "core/base/thread_priority.h"

namespace shoal::net {
namespace {

struct Queued {
  uv_work_t request{};
  std::function<void()> work;
  std::function<void()> done;
};

}  // namespace

void LoopOffload::Run(std::function<void()> work, std::function<void()> done) {
  auto queued = std::make_unique<Queued>();
  queued->work = std::move(work);
  queued->done = std::move(done);
  queued->request.data = queued.get();
  const int rc = uv_queue_work(
      loop_.get(), &queued->request,
      [](uv_work_t* request) {
        // Offloaded work is bulk work (fsyncs, checkpoints): it yields the
        // CPU to the loop (core/base/thread_priority.h).
        RunAtBackgroundPriority();
        static_cast<Queued*>(request->data)->work();
      },
      [](uv_work_t* request, int /*status*/) {
        std::unique_ptr<Queued> finished(static_cast<Queued*>(request->data));
        finished->done();  // also when cancelled: the caller waits for it
      });
  if (rc != 0) {  // only for a null callback: run it here rather than lose it
    queued->work();
    queued->done();
    return;
  }
  queued.release();  // freed in the after-work callback
}

}  // namespace shoal::net
