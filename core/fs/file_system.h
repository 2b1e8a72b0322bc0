// FileSystem: the engine's only view of a folder on disk (DESIGN.md "Layers").
// PosixFileSystem is the real one; MemoryFileSystem runs tests and the cluster
// simulation without touching the disk.
//
// Paths are relative to the folder root, UTF-8 or raw bytes as found on disk,
// '/'-separated, without a leading '/'; "" is the root itself. Nothing here
// follows symlinks: Lstat describes the link, ReadLink returns its target.
//
// Containment: no operation resolves a path through a symlink, not even in
// a middle component, so a directory swapped for a link mid-walk cannot lead
// outside the folder (DESIGN.md "Names"); such a path fails instead.
//
// Error codes: kNotFound when the path does not exist, kUnauthorized when
// permission is denied or the path would pass through a symlink, kIo
// otherwise. Messages name the path.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace shoal {

enum class EntryKind : std::uint8_t { kFile, kDirectory, kSymlink, kSpecial };

struct FileStat {
  EntryKind kind = EntryKind::kFile;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint32_t permissions = 0;  // mode & 07777
  std::uint64_t inode = 0;

  friend bool operator==(const FileStat&, const FileStat&) = default;
};

struct DirEntry {
  std::string name;
  FileStat stat;  // of the entry itself, not following a symlink
};

// An open file being read from start to end. Thread: one thread at a time.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to buffer.size() bytes; 0 means end of file.
  virtual Result<std::size_t> Read(std::span<std::uint8_t> buffer) = 0;
  // The open file's current metadata (fstat), to detect changes during a read.
  virtual Result<FileStat> Stat() = 0;
};

// Implementations must be safe to call from several threads at once (the
// scanner hashes files on a worker pool).
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<FileStat> Lstat(const std::string& path) = 0;
  // The entries of a directory (not "." or "..") with their metadata, in no
  // set order. Entries that vanish while being listed are left out.
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) = 0;
  virtual Result<std::string> ReadLink(const std::string& path) = 0;
};

// "dir/name" from a directory path and an entry name ("" is the root).
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace shoal
