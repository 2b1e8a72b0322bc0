// PosixFileSystem: FileSystem over a real directory tree. The root is opened
// once (following a symlink there: that is the folder the user chose); every
// path below it is resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
// so no component is ever a symlink and nothing outside the root is reached.
// Directories are listed with fstatat on the open directory, one syscall per
// entry. Needs Linux >= 5.6 (openat2).
//
// Writes resolve the parent directory the same way and then act on the last
// component with an *at syscall that does not follow it (O_NOFOLLOW,
// AT_SYMLINK_NOFOLLOW, or calls that never follow: mkdirat, unlinkat,
// renameat). MakeDir's permissions are reduced by the umask, as mkdir(2);
// SetMetadata sets them exactly. Rename checks that the target is not a
// directory just before renaming; a directory created in between by someone
// else is still refused by rename(2) unless both are directories.
//
// Lookup cache (BeginLookupCache): while open on a thread, the O_PATH
// descriptors of the parent directories that OpenParent resolves there are
// kept, by path, so that Lstat and the writes in an already seen directory
// take one *at call on it instead of openat2, the call and close (a pulled
// small file took six such lookups). At most kMaxCachedDirs are kept. A
// cached descriptor is the directory itself, not its path: should someone
// replace the directory with a symlink meanwhile, calls still act in the
// directory, never through the link. Rename and RemoveDir drop what they
// move or remove, and everything below it; ReopenRoot drops it all.
//
// Thread: any threads at once (FileSystem's contract): every call only
// reads the root descriptor, except ReopenRoot, which replaces it and so
// runs while nothing else uses the object (the folder guard: before a scan
// or a pull and on Resume, never while a scan is hashing). The lookup cache
// is per thread (thread_local).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "core/base/scoped_fd.h"
#include "core/fs/file_system.h"

namespace shoal {

class PosixFileSystem final : public FileSystem {
 public:
  // Fails with kNotFound if `root` is missing or not a directory.
  static Result<std::unique_ptr<PosixFileSystem>> Open(const std::string& root);
  // For a root that cannot be opened now (a mount point that appears only
  // when its drive is mounted): every call fails until ReopenRoot succeeds.
  static std::unique_ptr<PosixFileSystem> OpenLater(const std::string& root);

  // Lstat("") describes the root itself (as opened, links followed); a root
  // that has been deleted since Open reports kNotFound.
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
  Result<DiskSpace> FreeSpace() override;
  Result<std::uint64_t> ReopenRoot() override;
  void BeginLookupCache() override;
  void EndLookupCache() override;

  // Directories opened to resolve a path (openat2), for tests of the cache.
  std::uint64_t directory_opens() const { return directory_opens_.load(); }

  const std::string& root() const { return root_; }

 private:
  PosixFileSystem(std::string root, ScopedFd root_fd)
      : root_(std::move(root)), root_fd_(std::move(root_fd)) {}
  // openat2 beneath the root; "" opens the root itself.
  Result<ScopedFd> OpenBeneath(const std::string& path, int flags, const char* what);
  // The directory holding `path`'s last component (an O_PATH descriptor,
  // opened with OpenBeneath, or the root's, or the lookup cache's) and that
  // component.
  struct Parent {
    int fd = -1;     // valid while this lives (owned, the root's or cached)
    ScopedFd owned;  // when neither the root nor cached
    std::string name;
  };
  Result<Parent> OpenParent(const std::string& path, const char* what);
  Result<void> RenameImpl(const std::string& from, const std::string& to, bool replace);
  // This thread's cached directories, when its lookup cache is open for
  // this object; else null.
  std::map<std::string, ScopedFd, std::less<>>* CachedDirs();
  // Drops `path` and everything below it from this thread's cache.
  void ForgetCached(const std::string& path);

  std::string root_;
  ScopedFd root_fd_;
  std::atomic<std::uint64_t> directory_opens_{0};
};

inline constexpr std::size_t kMaxCachedDirs = 128;

}  // namespace shoal
