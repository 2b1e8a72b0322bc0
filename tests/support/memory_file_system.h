// MemoryFileSystem: an in-memory FileSystem for tests and the cluster
// simulation. Deterministic: inodes are handed out in creation order and
// mtimes are whatever the test sets. Thread-safe (one mutex), since the
// scanner reads files from worker threads.
//
// Test hooks: entries can be made unreadable (permission denied), a read
// hook can change the tree while a file is being read, and a free-space limit
// makes writes fail with kNoSpace.
//
// Write side: as PosixFileSystem, except that MakeDir stores the permissions
// exactly (no umask), new entries get mtime 0, and a WritableFile whose file
// was removed or replaced fails with kNotFound (an open descriptor would keep
// writing to the unlinked inode). A WritableFile follows its file through a
// Rename, as a descriptor does.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/fs/file_system.h"

namespace shoal {

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();

  // Mutators for tests. Parent directories are created as needed (0755).
  void WriteFile(const std::string& path, std::string content, std::int64_t mtime_ns,
                 std::uint32_t permissions = 0644);
  void MakeDirectory(const std::string& path, std::uint32_t permissions = 0755);
  void AddSymlink(const std::string& path, std::string target, std::int64_t mtime_ns = 0);
  void MakeSpecial(const std::string& path);  // a FIFO or device node stand-in
  void SetPermissions(const std::string& path, std::uint32_t permissions);
  void SetUnreadable(const std::string& path, bool unreadable);
  // Removes a file, link or a whole directory tree; no-op if absent.
  void Remove(const std::string& path);
  // Called (without the lock held) each time a file is read from, with its
  // path; lets a test modify the file mid-read.
  void SetReadHook(std::function<void(const std::string&)> hook);
  // Content of a file, for assertions; empty if absent.
  std::string Content(const std::string& path) const;
  // When set, a write that would grow the sum of all file sizes beyond
  // `bytes` fails with kNoSpace and changes nothing. Truncate is not
  // limited (a sparse extension costs no space on a real disk).
  void SetFreeSpace(std::optional<std::int64_t> bytes);
  // When on, creating, renaming or removing an entry in a directory without
  // owner write and search permission (0300) fails with kUnauthorized, as
  // for a process without CAP_DAC_OVERRIDE. Off by default.
  void SetEnforceDirectoryPermissions(bool enforce);
  // The device number ReopenRoot reports (1 unless set): a test changes it
  // to stand for another disk mounted at the folder's path.
  void SetRootDevice(std::uint64_t device);
  // Whether WritableFile::SyncFileSystem syncs (counted as one sync) or
  // says the file system does not honour it, as FUSE would. Off by default.
  void SetSyncsFileSystem(bool honoured);
  // How many times WritableFile::Sync, SyncFileSystem and SyncDir have synced.
  std::int64_t sync_count() const;
  // How many times ListDir has been called.
  std::int64_t list_dir_count() const;
  // How many times Lstat has been asked about `path`, and FreeSpace at all.
  std::int64_t lstat_count(const std::string& path) const;
  std::int64_t free_space_count() const;

  Result<FileStat> Lstat(const std::string& path) override;
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> OpenWrite(const std::string& path) override;
  Result<void> Rename(const std::string& from, const std::string& to) override;
  Result<void> RenameNoReplace(const std::string& from, const std::string& to) override;
  Result<void> MakeDir(const std::string& path, std::uint32_t permissions) override;
  Result<void> MakeSymlink(const std::string& path, const std::string& target) override;
  Result<void> RemoveFile(const std::string& path) override;
  Result<void> RemoveDir(const std::string& path) override;
  Result<void> SetMetadata(const std::string& path, std::int64_t mtime_ns,
                           std::uint32_t permissions) override;
  Result<void> SyncDir(const std::string& path) override;
  // The limit set with SetFreeSpace is the capacity; without one, 1 PiB.
  Result<DiskSpace> FreeSpace() override;
  Result<std::uint64_t> ReopenRoot() override;

 private:
  friend class MemoryReadableFile;
  friend class MemoryWritableFile;
  struct Node {
    FileStat stat;
    std::string data;  // file content or symlink target
    bool unreadable = false;
  };

  void EnsureParentsLocked(const std::string& path);
  Result<std::size_t> ReadAt(const std::string& path, std::uint64_t inode, std::size_t offset,
                             std::span<std::uint8_t> buffer);
  Result<FileStat> StatInode(const std::string& path, std::uint64_t inode);
  // Every ancestor of `path` must exist and be a directory (not a symlink).
  Result<void> CheckParentsLocked(const std::string& path, const char* what) const;
  // With enforcement on: the directory holding `path` allows changes.
  Result<void> CheckWritableParentLocked(const std::string& path, const char* what) const;
  Result<void> RenameImpl(const std::string& from, const std::string& to, bool replace);
  std::int64_t FileBytesLocked() const;

  mutable std::mutex mutex_;
  std::map<std::string, Node> nodes_;  // by path; "" is the root directory
  std::uint64_t next_inode_ = 1;
  std::function<void(const std::string&)> read_hook_;
  std::optional<std::int64_t> free_space_;
  std::int64_t sync_count_ = 0;
  bool syncs_file_system_ = false;
  std::int64_t list_dir_count_ = 0;
  std::map<std::string, std::int64_t> lstat_counts_;
  std::int64_t free_space_count_ = 0;
  bool enforce_dir_permissions_ = false;
  std::uint64_t root_device_ = 1;
};

}  // namespace shoal
