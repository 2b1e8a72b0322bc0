// VersionArchive: the folder's ".shoal/versions" (DESIGN.md "Safety"). The
// puller moves content a peer's change replaces or deletes there instead of
// destroying it; `shoal versions` lists it, `shoal restore` brings it back,
// and the daemon prunes what is older than the folder's keep time.
//
// Names are in core/pull/version_name.h. Keeping is a rename on the same
// filesystem, never a copy, so it costs the same for 1 byte and 1 GiB; the
// directories it creates are 0700 (a version may be private and its
// original directory's mode is not kept) and each created directory and
// the version's own directory are fsynced before Keep returns, so the
// version is durable before the caller puts the replacement in place.
//
// Everything goes through FileSystem, so the in-memory filesystem of the
// tests and the simulation keeps versions too. Not thread-safe: one caller
// at a time per folder (the daemon's loop thread, or the engine's caller).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/model/file_info.h"

namespace shoal {

struct KeptVersion {
  std::string path;               // the original name, relative to the folder root
  std::string stored;             // where it is kept, relative to the folder root
  std::int64_t unix_seconds = 0;  // when it was kept (from its name)
  std::int64_t size = 0;          // bytes; a symlink's target length
  EntryKind kind = EntryKind::kFile;
};

struct Restored {
  KeptVersion version;       // what was put back (no longer in the archive)
  std::string kept_current;  // where what was at the path went; "" when nothing was
  std::string scan_root;     // to rescan: the path, or the topmost directory made for it
};

class VersionArchive {
 public:
  VersionArchive(FileSystem& fs, Clock& clock) : fs_(fs), clock_(clock) {}

  // Moves the file or symlink at `path` into the archive, stamped now, and
  // returns where it went (relative to the folder root). kNotFound when
  // nothing is there; a directory is refused (kInvalidArgument). With
  // `unsynced_dirs`, the version's directory is added there instead of
  // being fsynced: the caller fsyncs each once, before anything takes the
  // names it kept (a batch of replacements pays one fsync, not one each).
  Result<std::string> Keep(const std::string& path, std::set<std::string>* unsynced_dirs = nullptr);

  // The versions of `path` and of everything beneath it ("" = all), by
  // path, then oldest first.
  Result<std::vector<KeptVersion>> List(const std::string& path = "");

  // Puts the newest version of `path` kept at or before `at` (any time when
  // nullopt) back under its name with one rename; a file or symlink there
  // now is kept first, and missing parent directories are created (0755).
  // The caller has the folder rescan `scan_root`, which makes the restore a
  // new local change. kNotFound when no such version exists, kConflict when a
  // directory is at `path`.
  Result<Restored> Restore(const std::string& path, std::optional<std::int64_t> at);

  // Removes versions kept more than `keep_seconds` ago, and the directories
  // of the archive that this leaves empty. Names that are not versions are
  // left alone. Returns how many versions were removed.
  Result<std::int64_t> Prune(std::int64_t keep_seconds);

 private:
  // Creates `dir` (under the archive) and its missing parents, 0700.
  Result<void> MakeDirs(const std::string& dir);
  // Creates the missing parent directories of `path` in the folder, 0755;
  // `topmost` is set to the first one made.
  Result<void> MakeParents(const std::string& path, std::string& topmost);
  Result<void> Walk(const std::string& dir, std::vector<KeptVersion>& out);
  // Prune below `dir`; sets `empty` when nothing is left in it.
  Result<std::int64_t> PruneDir(const std::string& dir, std::int64_t cutoff, bool& empty);

  FileSystem& fs_;
  Clock& clock_;
};

// The puller's call before a peer's change replaces (with `replacement`) or
// deletes (`replacement` null) what the local index says is at
// `local->name`: keeps that file or symlink as a version and returns where,
// or nullopt when there is nothing to keep (no live file or symlink there,
// or `replacement` has the same content, as for a change of mode only).
// `unsynced_dirs` as for Keep.
Result<std::optional<std::string>> KeepReplacedVersion(
    FileSystem& fs, Clock& clock, const std::optional<FileInfo>& local, const FileInfo* replacement,
    std::set<std::string>* unsynced_dirs = nullptr);

}  // namespace shoal
