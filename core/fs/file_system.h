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
// Error codes: kNotFound when the path (or, for a create, its parent) does
// not exist, kUnauthorized when permission is denied or the path would pass
// through a symlink, kConflict when a create or no-replace rename finds the
// name taken or a directory to remove is not empty, kNoSpace when the disk
// or quota is full, kIo otherwise. Messages name the path.
//
// The write side also refuses (kInvalidArgument) a path with an empty, "."
// or ".." component, so a name can only ever mean one entry.
//
// Write side (the puller): files are written through WritableFile into temp
// names, made durable with Sync, then moved into place with Rename; SyncDir
// makes renames, creates and removes in a directory durable.
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

// Space on the filesystem holding the folder, in bytes.
struct DiskSpace {
  std::int64_t free_bytes = 0;   // available to this (unprivileged) user
  std::int64_t total_bytes = 0;  // size of the filesystem
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
  // Reads up to buffer.size() bytes at `offset` without moving the position
  // Read uses (pread); fewer only at end of file.
  virtual Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) = 0;
};

// An open file being written (a puller temp file). Thread: one thread at a
// time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at `offset`, growing the file (holes read as zero).
  virtual Result<void> WriteAt(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
  // Reads back what is there (pread); fewer bytes only at end of file.
  virtual Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) = 0;
  virtual Result<void> Truncate(std::uint64_t size) = 0;
  // Sets permissions (mode & 07777) and mtime; call after the last write.
  virtual Result<void> SetMetadata(std::int64_t mtime_ns, std::uint32_t permissions) = 0;
  // Content and metadata reach the disk (fsync).
  virtual Result<void> Sync() = 0;
  // Makes everything written on this file's file system so far durable at
  // once, this file included (syncfs(2)): one journal commit for a batch
  // of small files instead of one fsync each. False, with nothing done,
  // where the file system is not known to honour that (FUSE and network
  // file systems may not): the caller then syncs each file.
  virtual Result<bool> SyncFileSystem() { return false; }
  virtual Result<FileStat> Stat() = 0;
};

// Thread: implementations must be safe to call from several threads at
// once, ReopenRoot excepted (see there): the scanner hashes files on a
// ParallelFor pool, in the daemon on a thread of its own while the loop
// thread goes on serving block requests through the same FileSystem.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<FileStat> Lstat(const std::string& path) = 0;
  // The entries of a directory (not "." or "..") with their metadata, in no
  // set order. Entries that vanish while being listed are left out.
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) = 0;
  virtual Result<std::string> ReadLink(const std::string& path) = 0;

  // Opens a regular file for reading and writing, creating it (mode 0600)
  // when absent and keeping any content it has (a resumed temp file).
  // A symlink or anything else that is not a regular file at `path` fails
  // with kConflict.
  virtual Result<std::unique_ptr<WritableFile>> OpenWrite(const std::string& path) = 0;
  // Moves `from` to `to` atomically, replacing a file or symlink at `to`
  // (rename(2)). Replacing a directory is refused with kConflict, as is
  // moving a directory over a file.
  virtual Result<void> Rename(const std::string& from, const std::string& to) = 0;
  // As Rename, but fails with kConflict when `to` exists (never replaces).
  virtual Result<void> RenameNoReplace(const std::string& from, const std::string& to) = 0;
  // Creates one directory (the parent must exist); kConflict if the name exists.
  virtual Result<void> MakeDir(const std::string& path, std::uint32_t permissions) = 0;
  // Creates a symlink pointing at `target` (stored as given, never
  // resolved); kConflict if the name exists.
  virtual Result<void> MakeSymlink(const std::string& path, const std::string& target) = 0;
  // Removes a file or symlink; a directory is refused with kConflict.
  virtual Result<void> RemoveFile(const std::string& path) = 0;
  // Removes an empty directory; kConflict when it is not empty.
  virtual Result<void> RemoveDir(const std::string& path) = 0;
  // Sets the permissions and mtime of an existing directory or file (a
  // symlink is refused with kInvalidArgument: links have no mode to sync).
  virtual Result<void> SetMetadata(const std::string& path, std::int64_t mtime_ns,
                                   std::uint32_t permissions) = 0;
  // Makes the directory's entries durable (fsync on the directory).
  virtual Result<void> SyncDir(const std::string& path) = 0;
  // Free and total space of the filesystem the root is on (statvfs), so the
  // puller can leave a file that does not fit for later (DESIGN.md "Puller").
  virtual Result<DiskSpace> FreeSpace() = 0;

  // Opens the root again by the path it was opened with, so that from now
  // on every call sees the directory that is there now (a drive mounted or
  // unmounted since, a folder moved back), and returns that directory's
  // device number (st_dev). kNotFound when nothing or no directory is
  // there; the old root stays in use then. Must not run concurrently with
  // any other call on this FileSystem (the folder guard calls it before a
  // scan or pull, when no scan is reading).
  virtual Result<std::uint64_t> ReopenRoot() = 0;

  // Between these, calls on the calling thread may reuse the directories
  // that earlier calls resolved instead of walking each path again (one
  // openat2 and close fewer per call; PosixFileSystem). Open it with
  // ScopedLookupCache around one short burst of work on one thread, such as
  // a pull pass in one loop turn: a directory renamed by someone else
  // meanwhile is still found under its old name until the scope ends, as
  // if that rename had come just after. Renames and removals made through
  // this object on the same thread are seen at once. Nestable; other
  // threads are not affected.
  virtual void BeginLookupCache() {}
  virtual void EndLookupCache() {}
};

// Holds a FileSystem's lookup cache open on this thread while it lives.
class ScopedLookupCache {
 public:
  explicit ScopedLookupCache(FileSystem& fs) : fs_(fs) { fs_.BeginLookupCache(); }
  ~ScopedLookupCache() { fs_.EndLookupCache(); }
  ScopedLookupCache(const ScopedLookupCache&) = delete;
  ScopedLookupCache& operator=(const ScopedLookupCache&) = delete;

 private:
  FileSystem& fs_;
};

// "dir/name" from a directory path and an entry name ("" is the root).
std::string JoinPath(const std::string& dir, const std::string& name);

// Ok when `path` names one entry below the root: not "", no NUL byte, no
// empty, "." or ".." component. Else kInvalidArgument, the message starting
// with `what` (the write side checks every path it is given).
Result<void> CheckEntryPath(const std::string& path, const char* what);

}  // namespace shoal
