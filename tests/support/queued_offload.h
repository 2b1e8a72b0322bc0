// QueuedOffload: an Offload whose work waits until a test lets it
// run, as the daemon's thread pool lets a pass go on while a temp file is
// fsynced or a block read for a peer. Deterministic: work runs in the
// order it was queued, when the test says, on the calling thread.
#pragma once

#include <deque>
#include <functional>
#include <utility>

#include "core/base/offload.h"

namespace shoal::testing {

class QueuedOffload final : public Offload {
 public:
  // Work never left undone: whoever queued it may wait for it (a Puller's
  // destructor waits for its syncs), even when a test ends early.
  ~QueuedOffload() override { RunWorkOnly(); }
  void Run(std::function<void()> work, std::function<void()> done) override {
    queue_.push_back({std::move(work), std::move(done)});
  }
  // Runs what was queued before this call, work then done; returns how many.
  std::size_t RunQueued() {
    std::deque<Task> now = std::exchange(queue_, {});
    for (Task& task : now) {
      task.work();
      task.done();
    }
    return now.size();
  }
  // A crash: the work that was under way finishes (an fsync the kernel had
  // started), and nobody is there to hear of it.
  void RunWorkOnly() {
    std::deque<Task> now = std::exchange(queue_, {});
    for (Task& task : now) task.work();
  }
  std::size_t size() const { return queue_.size(); }

 private:
  struct Task {
    std::function<void()> work;
    std::function<void()> done;
  };
  std::deque<Task> queue_;
};

}  // namespace shoal::testing
