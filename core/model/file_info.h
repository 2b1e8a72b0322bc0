// FileInfo: everything the index knows about one name in a folder on one
// device (DESIGN.md "Index store"). Plain value, exchanged in Index messages
// and stored per (folder, device, name).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/block_delta.h"
#include "core/model/block_ref.h"
#include "core/model/version_vector.h"

namespace shoal {

enum class FileType : std::uint8_t { kFile = 0, kDirectory = 1, kSymlink = 2 };

struct FileInfo {
  std::string name;  // UTF-8, '/'-separated, relative to the folder root
  FileType type = FileType::kFile;
  std::int64_t size = 0;          // bytes; 0 for directories and symlinks
  std::int64_t mtime_ns = 0;      // nanoseconds since the Unix epoch
  std::uint32_t permissions = 0;  // POSIX mode bits, kSyncedPermissionBits only
  bool deleted = false;           // tombstone: the name was removed
  VersionVector version;
  std::int64_t sequence = 0;     // position in its device's change log of the folder
  std::vector<BlockRef> blocks;  // files only, in file order
  std::string symlink_target;    // symlinks only; never followed
  // Local device only (0 for peers' entries, never sent): change detection
  // compares it with the inode on disk.
  std::uint64_t inode = 0;
  // In an index message only, never stored: `blocks` holds just the middle
  // of a block list told as a change to another version's list
  // (core/model/block_delta.h). The receiver resolves it before anything
  // else looks at the entry.
  std::optional<BlockListDelta> blocks_delta;

  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

// The permission bits that are part of a version: rwx for owner, group and
// other. Setuid, setgid and sticky never travel and are never applied.
inline constexpr std::uint32_t kSyncedPermissionBits = 0777;

// The mode the puller gives a name it applies from a peer: the synced bits,
// group and other masked by the daemon's umask, and the owner always able
// to read and write it (and to enter a directory), so the daemon can keep
// syncing what it wrote.
std::uint32_t LocalMode(FileType type, std::uint32_t permissions, std::uint32_t umask);

// Sum of the block sizes; equals `size` for a consistent file entry.
std::int64_t BlockListSize(const std::vector<BlockRef>& blocks);

// At least the size of the entry's encoding in an Index message
// (docs/protocol.md "Index"): every varint at its longest, a block at
// 4 + 16 bytes. Index batches are cut by it, never by count alone.
std::size_t IndexEntrySizeBound(const FileInfo& f);

// The largest entry a device announces or accepts: half the 16 MiB message
// cap, so one entry always fits a message with room to spare. At 20 bytes a
// block that is 419,430 blocks, a file of 400 GiB at the 1 MiB average
// block of large files.
inline constexpr std::size_t kMaxIndexEntryBytes = std::size_t{8} << 20;
inline constexpr std::size_t kMaxFileBlocks = kMaxIndexEntryBytes / 20;

}  // namespace shoal
