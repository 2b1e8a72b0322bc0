// FileInfo: everything the index knows about one name in a folder on one
// device (DESIGN.md "Index store"). Plain value, exchanged in Index messages
// and stored per (folder, device, name).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/block_ref.h"
#include "core/model/version_vector.h"

namespace shoal {

enum class FileType : std::uint8_t { kFile = 0, kDirectory = 1, kSymlink = 2 };

struct FileInfo {
  std::string name;  // UTF-8, '/'-separated, relative to the folder root
  FileType type = FileType::kFile;
  std::int64_t size = 0;          // bytes; 0 for directories and symlinks
  std::int64_t mtime_ns = 0;      // nanoseconds since the Unix epoch
  std::uint32_t permissions = 0;  // POSIX mode bits 07777
  bool deleted = false;           // tombstone: the name was removed
  VersionVector version;
  std::int64_t sequence = 0;     // position in its device's change log of the folder
  std::vector<BlockRef> blocks;  // files only, in file order
  std::string symlink_target;    // symlinks only; never followed
  // Local device only (0 for peers' entries, never sent): change detection
  // compares it with the inode on disk.
  std::uint64_t inode = 0;

  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

// Sum of the block sizes; equals `size` for a consistent file entry.
std::int64_t BlockListSize(const std::vector<BlockRef>& blocks);

}  // namespace shoal
