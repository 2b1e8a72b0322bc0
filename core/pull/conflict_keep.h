// Resolving a conflict by keeping one side (docs/user-guide.md "Conflicts"):
// `shoal conflicts keep` and the web interface's "Keep this one". Nothing a
// user wrote is destroyed: the side not kept is moved into the folder's
// versions (VersionArchive), where `shoal versions` lists it and `shoal
// restore` brings it back. The caller then rescans `rescan`, which makes
// the result a local change that syncs like any other.
//
// Everything goes through FileSystem (names cannot leave the folder, see
// core/fs/file_system.h). Not thread-safe: one caller at a time per folder
// (the daemon's loop thread), as VersionArchive.
#pragma once

#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/fs/file_system.h"

namespace shoal {

struct ConflictKept {
  std::string original;    // the name that holds the kept content now
  bool kept_copy = false;  // the conflict copy was kept (else the original)
  // Each side not kept: its name and where it is kept now (both relative
  // to the folder root).
  struct Moved {
    std::string name;
    std::string stored;
  };
  std::vector<Moved> versions;
  std::vector<std::string> rescan;  // the names that changed
};

// Keeps the file or symlink at `name` (relative to the folder root):
//  - a conflict copy replaces its original name; what is there now (a file
//    or symlink) goes to the versions first;
//  - an original stays; its conflict copies in the same directory go to the
//    versions (only `only_copy` when it is not empty).
// kNotFound when nothing is at `name` (or at `only_copy`), kInvalidArgument
// when `name` is neither a conflict copy nor has any (or `only_copy` is not
// one of its copies), kConflict when a directory is in the way.
Result<ConflictKept> KeepConflictSide(FileSystem& fs, Clock& clock, const std::string& name,
                                      const std::string& only_copy = "");

// The conflict copies of `original` in its directory, by name.
Result<std::vector<std::string>> ConflictCopiesOf(FileSystem& fs, const std::string& original);

}  // namespace shoal
