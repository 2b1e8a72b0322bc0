// Offload: work that would hold the loop thread (disk reads and hashing
// for a peer) runs on another thread, and its result comes back on the
// loop. core/ knows only this interface; the daemon gives engines one on
// libuv's thread pool (net/loop/loop_offload.h).
#pragma once

#include <functional>

namespace shoal {

class Offload {
 public:
  virtual ~Offload() = default;
  // `work` runs on some other thread and must touch nothing the loop uses
  // without a lock; `done` runs on the loop thread after it, always.
  virtual void Run(std::function<void()> work, std::function<void()> done) = 0;
};

// Runs both at once in the caller: for tests and tools without a loop.
class InlineOffload final : public Offload {
 public:
  void Run(std::function<void()> work, std::function<void()> done) override {
    work();
    done();
  }
};

}  // namespace shoal
