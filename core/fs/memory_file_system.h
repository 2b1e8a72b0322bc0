// MemoryFileSystem: an in-memory FileSystem for tests and the cluster
// simulation. Deterministic: inodes are handed out in creation order and
// mtimes are whatever the test sets. Thread-safe (one mutex), since the
// scanner reads files from worker threads.
//
// Test hooks: entries can be made unreadable (permission denied) and a read
// hook can change the tree while a file is being read.
#pragma once

#include <functional>
#include <map>
#include <mutex>
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
  void MakeSymlink(const std::string& path, std::string target, std::int64_t mtime_ns = 0);
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

  Result<FileStat> Lstat(const std::string& path) override;
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;

 private:
  friend class MemoryReadableFile;
  struct Node {
    FileStat stat;
    std::string data;  // file content or symlink target
    bool unreadable = false;
  };

  void EnsureParentsLocked(const std::string& path);
  Result<std::size_t> ReadAt(const std::string& path, std::uint64_t inode, std::size_t offset,
                             std::span<std::uint8_t> buffer);
  Result<FileStat> StatInode(const std::string& path, std::uint64_t inode);

  mutable std::mutex mutex_;
  std::map<std::string, Node> nodes_;  // by path; "" is the root directory
  std::uint64_t next_inode_ = 1;
  std::function<void(const std::string&)> read_hook_;
};

}  // namespace shoal
