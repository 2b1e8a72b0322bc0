// ParallelFor: runs job(i) for every i in [0, count) on `threads` threads
// (the calling thread included) and returns when all are done. With
// threads <= 1 it runs inline, in order — tests and the simulation use that
// to stay deterministic. `job` must be safe to call concurrently for
// different i and must not throw.
//
// Thread: callable from any thread. job(i) runs on the caller's thread and
// on up to threads - 1 std::threads started for this call and joined before
// it returns, so `job` may capture the caller's locals by reference.
#pragma once

#include <cstddef>
#include <functional>

namespace shoal {

void ParallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& job);

// One per core, as DESIGN.md asks for hashing; at least 1.
int DefaultWorkerThreads();

}  // namespace shoal
