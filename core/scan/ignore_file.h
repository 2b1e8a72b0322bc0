// The folder's ignore rules as the scanner and the puller both apply them:
// the built-ins plus ".shoalignore" at the folder root (docs/ignore.md).
#pragma once

#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/ignore/ignore_matcher.h"

namespace shoal {

inline constexpr char kIgnoreFileName[] = ".shoalignore";
inline constexpr std::size_t kMaxIgnoreFileBytes = 1 << 20;

// Reads and compiles .shoalignore (only the built-ins when there is none).
// Fails when it is not a regular file, is larger than 1 MiB or does not parse.
Result<IgnoreMatcher> LoadIgnoreRules(FileSystem& fs);

}  // namespace shoal
