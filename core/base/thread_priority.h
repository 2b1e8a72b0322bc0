// Background priority for the daemon's bulk threads (a scan's hashing, the
// index checkpoints and fsyncs on the thread pool), so that on a machine
// with few cores the loop thread — peers, `status`, the GUI — gets the CPU
// first when both want it, and bulk work still uses every idle cycle.
//
// On Linux a thread's nice value is its own: RunAtBackgroundPriority raises
// the calling thread's by kBackgroundNice over the process's (a thread may
// always lower its own priority; raising it back would need privilege, so
// this is only for threads that do bulk work for the rest of their life).
// Threads it then starts inherit it. Elsewhere it does nothing.
//
// Thread: any; acts on the calling thread only, once (later calls are free).
#pragma once

namespace shoal {

inline constexpr int kBackgroundNice = 10;

void RunAtBackgroundPriority();

// The calling thread's nice value (tests; 0 where unknown).
int ThisThreadNice();

}  // namespace shoal
