// Walk: the first step of a scan. Lists everything under a path through the
// FileSystem without following symlinks, leaving out ignored names and
// reporting names that cannot be indexed. Pure traversal: it does not look
// at the index.
//
// Entries come in name order, bytewise, which is the index's order too, so
// that a scan can merge the two as it goes: a directory's own entry comes
// before its children, and "a/b" after "a-c" and before "a0". SortedWalk
// holds only the listings of the directories on the way to the current
// entry, never the whole tree.
#pragma once

#include <atomic>
#include <set>
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
  // Directories holding a puller's temp file (".shoal.tmp.*", never an
  // entry): the puller sweeps them once it is idle, wherever a directory
  // rename took them.
  std::set<std::string> temp_dirs;
};

// Walks `root` ("" = the folder root, itself not reported) one entry at a
// time. A missing root yields nothing; an ignored root is skipped. Once
// `*cancel` (may be null) is true it lists no more directories and sets
// `cancelled`.
class SortedWalk {
 public:
  SortedWalk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root,
             const std::atomic<bool>* cancel = nullptr);

  // The next entry, or null at the end; valid until the next call. By the
  // time it returns an entry, every directory whose name sorts before it
  // has been listed (or reported unreadable).
  const FoundEntry* Next();
  // What the walk has found to report so far; `entries` stays empty.
  WalkOutput& report() { return report_; }

 private:
  // Something to visit: an entry to return, or (key "dir/") the listing
  // of a directory, which sorts after the directory's siblings whose names
  // come before "dir/" and before those after it.
  struct Item {
    std::string key;
    bool listing = false;
    FoundEntry entry;
  };
  // Items for one entry found in a listing (or the root).
  void Add(const std::string& path, const FileStat& found, std::vector<Item>& frame);
  void List(const std::string& dir);
  void Unreadable(const std::string& path, const Error& error);

  FileSystem& fs_;
  const IgnoreMatcher& ignore_;
  const std::atomic<bool>* cancel_;
  // One frame per directory being walked, sorted so that back() is the
  // smallest key; the last frame is the deepest.
  std::vector<std::vector<Item>> frames_;
  FoundEntry current_;
  WalkOutput report_;
};

// Walks `root` to its end and appends what it found to `out`.
void Walk(FileSystem& fs, const IgnoreMatcher& ignore, const std::string& root, WalkOutput& out,
          const std::atomic<bool>* cancel = nullptr);

}  // namespace shoal
