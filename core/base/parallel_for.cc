#include "core/base/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace shoal {

void ParallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& job) {
  if (threads <= 1 || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) job(i);
    return;
  }
  // Work stealing by a shared counter: jobs vary wildly in size (a 4 KiB
  // file next to a 4 GiB one), so static partitioning would leave threads idle.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) job(i);
  };
  std::size_t extra = std::min<std::size_t>(static_cast<std::size_t>(threads) - 1, count - 1);
  std::vector<std::thread> pool;
  pool.reserve(extra);
  for (std::size_t t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

int DefaultWorkerThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace shoal
