// Conflict rules (DESIGN.md "Versions and conflicts"). When two versions of
// a name are concurrent (neither version vector dominates), one wins and the
// loser's content is kept as a conflict copy next to it, which then syncs
// like any file. Both sides must pick the same winner and the same copy name
// without talking to each other, so everything here is a pure function of
// the two versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/file_info.h"

namespace shoal {

// One side of a conflict: the version and the short ID of the device whose
// change produced it.
struct ConflictSide {
  const FileInfo& file;
  std::uint64_t device;
};

// True when `a` wins over the concurrent `b`: a modification beats a delete;
// otherwise the newer mtime wins; equal mtimes go to the larger device ID.
// Antisymmetric for distinct sides: exactly one of Wins(a,b), Wins(b,a).
bool Wins(const ConflictSide& a, const ConflictSide& b);

// "dir/report.sync-conflict-YYYYMMDD-HHMMSS-<shortid>.pdf": the loser's new
// name. The time (UTC) is the loser's mtime, so every device derives the same
// name; the extension (after the last '.', unless the name starts with it)
// stays last so the copy still opens with the right program. When the copy's
// last component would pass 255 bytes, its stem is cut (on a UTF-8 character
// boundary) to fit; such a copy no longer leads back to its original through
// ConflictOriginalName.
std::string ConflictCopyName(std::string_view name, std::int64_t mtime_ns, std::uint64_t device);

// For `shoal conflicts`: the name a conflict copy belongs to, or empty if
// `name` is not a conflict copy.
std::string ConflictOriginalName(std::string_view name);

// The short ID string in a conflict copy's name: the device whose change
// lost, that is the author of the copy's content (whichever device made the
// copy file). Empty if `name` is not a conflict copy.
std::string ConflictCopyAuthor(std::string_view name);

}  // namespace shoal
