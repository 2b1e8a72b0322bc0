// Tree: what one device's folder holds, read back from its FileSystem, so
// the simulation can pick names to edit and compare devices with each
// other. Plain values, ordered by path.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/base/result.h"
#include "core/fs/file_system.h"

namespace shoal::sim {

struct TreeEntry {
  EntryKind kind = EntryKind::kFile;
  std::uint32_t permissions = 0;
  std::int64_t mtime_ns = 0;
  std::string data;  // file content (when read) or symlink target
  friend bool operator==(const TreeEntry&, const TreeEntry&) = default;
};

// By path; the root and Shoal's own `.shoal/` (the folder marker) are left out.
using Tree = std::map<std::string, TreeEntry>;

// Walks the whole folder but ".shoal" (per-device state, never synced).
// File contents are read only when `with_content`.
Result<Tree> ReadTree(FileSystem& fs, bool with_content);

// The device's kept versions (".shoal/versions", core/pull/version_name.h)
// with their contents, by their path from the folder root.
Result<Tree> ReadVersions(FileSystem& fs);

// True when some component of `path` is a puller temp file (".shoal.tmp.").
bool IsTempName(const std::string& path);

// "kFile"-style short names for messages.
const char* KindName(EntryKind kind);

}  // namespace shoal::sim
