// The puller's temp files: a file is assembled in ".shoal.tmp.<name>" beside
// its target and renamed into place (DESIGN.md "Puller"). The names are
// reserved: the built-in ignore skips them (so scans and the watcher never
// report them), and a stale one is swept once nothing is being assembled.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

inline constexpr std::string_view kTempPrefix = ".shoal.tmp.";

// The temp name for `name` (a relative path): the same directory, the
// prefix, then the base name, or a hash of it when the result would exceed
// the 255-byte limit on one path component.
std::string TempNameFor(const std::string& name);

// Whether one path component (a base name, no '/') is a temp name.
inline bool IsTempName(std::string_view component) { return component.starts_with(kTempPrefix); }

}  // namespace shoal
