// Walk: the first step of a scan. Lists everything under a path through the
// FileSystem, depth first, without following symlinks, leaving out ignored
// names and reporting names that cannot be indexed. Pure traversal: it does
// not look at the index.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/fs/file_system.h"
#include "core/ignore/ignore_matcher.h"
#include "core/scan/scanner.h"

namespace shoal {

struct FoundEntry {
  std::string path;
  FileStat stat;
  std::string symlink_target;  // symlinks only
};

struct WalkOutput {
  std::vector<FoundEntry> entries;  // files, directories and symlinks found
  std::vector<ScanProblem> problems;
  // Paths whose state could not be read (permission denied, I/O error): the
  // index entries at and beneath them must be left as they are.
  std::vector<std::string> unreadable;
  bool cancelled = false;  // stopped early: the entries are incomplete
};

// Walks `root` ("" = the folder root, itself not reported) and appends to
// `out`. A missing root yields nothing; an ignored root is skipped. Once
// `*cancel` (may be null) is true it lists no more directories and sets
// `out.cancelled`.
void Walk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root, WalkOutput& out,
          const std::atomic<bool>* cancel = nullptr);

}  // namespace shoal
