// CheckRemoteName: the gate every name from a peer passes before the engine
// stores it or touches the disk with it (DESIGN.md "Names"). A name is a
// relative, '/'-separated UTF-8 path inside the folder. Rejected: empty or
// over-long names, absolute paths, "." / ".." / empty components, NUL bytes,
// invalid UTF-8, components over 255 bytes, and names Shoal reserves for
// itself (.shoal.tmp.* temp files, the .shoal directory). Escaping the folder
// through a symlink is checked where the name is applied (it depends on the
// disk), not here.
#pragma once

#include <string_view>

#include "core/base/result.h"

namespace shoal {

inline constexpr std::size_t kMaxNameBytes = 4096;
inline constexpr std::size_t kMaxComponentBytes = 255;

// kInvalidArgument with a message naming the problem, or success.
Result<void> CheckRemoteName(std::string_view name);

// The target of a symlink named `name` (already checked) from a peer:
// refused when empty, absolute, containing NUL, longer than 4095 bytes, or
// leading out of the folder through ".." counted from the link's own
// directory. Links are never followed by Shoal, but other programs do.
Result<void> CheckSymlinkTarget(std::string_view name, std::string_view target);

}  // namespace shoal
