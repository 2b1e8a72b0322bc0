// ParallelFor: runs job(i) for every i in [0, count) on `threads` threads
// (the calling thread included) and returns when all are done. With
// threads <= 1 it runs inline, in order — tests and the simulation use that
// to stay deterministic. `job` must be safe to call concurrently for
// different i and must not throw.
#pragma once

#include <cstddef>
#include <functional>

namespace shoal {

void ParallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& job);

// One per core, as DESIGN.md asks for hashing; at least 1.
int DefaultWorkerThreads();

}  // namespace shoal
