// Workload: what simulated users do to a device's folder, straight on its
// MemoryFileSystem while the engine is not looking (it finds out by
// scanning): create, overwrite, edit in place, append, truncate, copy,
// delete and rename files; make, delete and rename directories; symlinks
// and permission changes. Names come from a small pool so that devices edit
// the same files and directories and collide (conflicts, delete vs edit,
// rename vs edit), and sometimes put a file where another device may have a
// directory or the reverse. Sizes are mostly small, sometimes up to ~300 KiB, so
// files of several blocks appear. Every random choice comes from the
// scheduler, so a seed replays the same edits.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "tests/sim/scheduler.h"
#include "tests/support/memory_file_system.h"

namespace shoal::sim {

// Applies one random edit to `fs`, with mtimes from the scheduler's clock.
// Returns what it did, for the log ("write a/x.txt 4096B"), or "" when the
// edit it picked had nothing to act on (nothing changed).
std::string RandomEdit(MemoryFileSystem& fs, Scheduler& scheduler);

// `size` pseudo-random bytes.
std::string RandomContent(std::mt19937_64& rng, std::size_t size);

}  // namespace shoal::sim
