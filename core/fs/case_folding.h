// Case-folding file systems (vfat, exFAT, ext4 with casefold, macOS and
// Windows by default) store "Report.txt" and "report.txt" as one file, so
// two names a case-sensitive peer keeps apart would overwrite each other
// here (docs/security.md "Hostile peers and strangers").
//
// FoldCase maps a name to a key that is equal for names such a file system
// treats as one: each code point lowered with the C library's Unicode
// tables (C.UTF-8), ASCII without them. It is simple lowercasing, not full
// Unicode case folding or normalization (macOS's NFD): the check it serves
// errs on no side for ASCII and on the side of a rare miss beyond it.
// ProbeFoldsCase asks the file system itself. Pure or through the
// FileSystem; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/fs/file_system.h"

namespace shoal {

std::string FoldCase(std::string_view name);

// Creates a lower-case name in `dir` (which must exist: the folder's
// `.shoal`), looks for its upper-case twin, and removes it again. True
// when the twin is found, i.e. the file system folds case.
Result<bool> ProbeFoldsCase(FileSystem& fs, const std::string& dir);

}  // namespace shoal
