// Global version: which of the versions of one name that the devices of a
// folder announce is the one every device should converge to (DESIGN.md
// "Versions and conflicts"). A pure function of the set of versions, so
// every device that has seen the same announcements picks the same winner.
//
//   1. Versions dominated by another (strictly lesser vector) drop out.
//   2. Among the rest (equal or concurrent), Wins() decides: a modification
//      beats a delete, then the newer mtime, then the larger device ID of
//      the version's last modifier (LastModifier).
//   3. Anything still tied is ordered by the encoded version vector, so the
//      choice is total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/model/file_info.h"
#include "core/model/version_vector.h"

namespace shoal {

// The device whose change produced this version: the entry with the largest
// counter (counters are max(old + 1, now in seconds), so the latest change
// carries the largest one); ties go to the larger device ID. 0 when empty.
std::uint64_t LastModifier(const VersionVector& version);

// The fields of a version that decide between concurrent versions.
struct VersionCandidate {
  const VersionVector* version = nullptr;
  bool deleted = false;
  std::int64_t mtime_ns = 0;
};

// Index into `candidates` (not empty) of the global version.
std::size_t PickGlobal(std::span<const VersionCandidate> candidates);

// True when applying `b` over `a` needs no conflict copy of `a`: same type
// and same content (blocks or link target), or `a` holds nothing to keep (a
// tombstone or a directory).
bool SameContentOrNothingToKeep(const FileInfo& a, const FileInfo& b);

}  // namespace shoal
