#include "core/fs/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/base/relative_path.h"

namespace shoal {
namespace {

Error ErrnoError(int err, const std::string& what, const std::string& path) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kUnauthorized;
  if (err == EEXIST || err == ENOTEMPTY) code = ErrorCode::kConflict;
  if (err == ENOSPC || err == EDQUOT) code = ErrorCode::kNoSpace;
  return Error{code, what + " '" + path + "': " + std::strerror(err)};
}

// "what 'path': why", built by appending (no operator+ on a literal).
Error PathError(ErrorCode code, const char* what, const std::string& path, const char* why) {
  std::string message(what);
  message.append(" '").append(path).append("': ").append(why);
  return Error{code, std::move(message)};
}

constexpr std::uint64_t kMaxOffset = std::numeric_limits<off_t>::max();

// pread until `buffer` is full or the file ends.
Result<std::size_t> ReadFullAt(int fd, std::uint64_t offset, std::span<std::uint8_t> buffer,
                               const std::string& path) {
  if (offset > kMaxOffset) return PathError(ErrorCode::kInvalidArgument, "read", path, "offset");
  std::size_t done = 0;
  while (done < buffer.size() && offset + done <= kMaxOffset) {
    ssize_t n =
        ::pread(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "read", path);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// The times argument of futimens/utimensat: atime untouched, mtime set.
void ToTimes(std::int64_t mtime_ns, struct timespec (&times)[2]) {
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = mtime_ns / 1'000'000'000;
  times[1].tv_nsec = mtime_ns % 1'000'000'000;
  if (times[1].tv_nsec < 0) {  // floor, for mtimes before 1970
    times[1].tv_sec -= 1;
    times[1].tv_nsec += 1'000'000'000;
  }
}

// Sets mtime and then permissions through an open fd.
Result<void> SetFdMetadata(int fd, std::int64_t mtime_ns, std::uint32_t permissions,
                           const std::string& path) {
  struct timespec times[2];
  ToTimes(mtime_ns, times);
  if (::futimens(fd, times) != 0) return ErrnoError(errno, "set mtime", path);
  if (::fchmod(fd, permissions & 07777) != 0) return ErrnoError(errno, "chmod", path);
  return {};
}

FileStat FromStat(const struct stat& st) {
  FileStat out;
  if (S_ISREG(st.st_mode)) {
    out.kind = EntryKind::kFile;
  } else if (S_ISDIR(st.st_mode)) {
    out.kind = EntryKind::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    out.kind = EntryKind::kSymlink;
  } else {
    out.kind = EntryKind::kSpecial;
  }
  out.size = out.kind == EntryKind::kFile ? static_cast<std::int64_t>(st.st_size) : 0;
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.permissions = st.st_mode & 07777;
  out.inode = st.st_ino;
  return out;
}

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(ScopedFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  Result<std::size_t> Read(std::span<std::uint8_t> buffer) override {
    for (;;) {
      ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return ErrnoError(errno, "read", path_);
    }
  }

  Result<FileStat> Stat() override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return ErrnoError(errno, "fstat", path_);
    return FromStat(st);
  }

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) override {
    return ReadFullAt(fd_.get(), offset, buffer, path_);
  }

 private:
  ScopedFd fd_;
  std::string path_;
};

// syncfs reports write-back errors only since Linux 5.8; before that a
// failed write-back would read as durable.
bool SyncfsReportsErrors() {
  static const bool reports = [] {
    struct utsname name {};
    int major = 0, minor = 0;
    if (::uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &major, &minor) != 2) {
      return false;
    }
    return major > 5 || (major == 5 && minor >= 8);
  }();
  return reports;
}

// Local file systems whose syncfs writes back every dirty file and commits
// the journal (or has nothing to write back): ext2/3/4, XFS, Btrfs, F2FS,
// tmpfs. Others sync file by file, as does every file system on a kernel
// whose syncfs does not report write-back errors.
bool SyncfsHonoured(decltype(statfs::f_type) type) {
  if (!SyncfsReportsErrors()) return false;
  switch (static_cast<unsigned long>(type)) {
    case 0xEF53UL:      // EXT4_SUPER_MAGIC (ext2, ext3 too)
    case 0x58465342UL:  // XFS_SUPER_MAGIC
    case 0x9123683EUL:  // BTRFS_SUPER_MAGIC
    case 0xF2F52010UL:  // F2FS_SUPER_MAGIC
    case 0x01021994UL:  // TMPFS_MAGIC
      return true;
    default:
      return false;
  }
}

// Owns the descriptor; closing it in the destructor drops close() errors,
// which is why durability comes from Sync (fsync), not from closing.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(ScopedFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  Result<void> WriteAt(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    if (offset > kMaxOffset || data.size() > kMaxOffset - offset) {
      return PathError(ErrorCode::kInvalidArgument, "write", path_, "offset too large");
    }
    std::size_t done = 0;
    while (done < data.size()) {  // pwrite may write less than asked (a signal, a full disk)
      ssize_t n = ::pwrite(fd_.get(), data.data() + done, data.size() - done,
                           static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(errno, "write", path_);
      if (n == 0) return PathError(ErrorCode::kIo, "write", path_, "no progress");
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) override {
    return ReadFullAt(fd_.get(), offset, buffer, path_);
  }

  Result<void> Truncate(std::uint64_t size) override {
    if (size > kMaxOffset) return PathError(ErrorCode::kInvalidArgument, "truncate", path_, "size");
    while (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return ErrnoError(errno, "truncate", path_);
    }
    return {};
  }

  Result<void> SetMetadata(std::int64_t mtime_ns, std::uint32_t permissions) override {
    return SetFdMetadata(fd_.get(), mtime_ns, permissions, path_);
  }

  Result<void> Sync() override {
    if (::fsync(fd_.get()) != 0) return ErrnoError(errno, "fsync", path_);
    return {};
  }

  Result<bool> SyncFileSystem() override {
    struct statfs fs {};
    if (::fstatfs(fd_.get(), &fs) != 0) return ErrnoError(errno, "statfs", path_);
    if (!SyncfsHonoured(fs.f_type)) return false;
    // Since Linux 5.8 syncfs also reports write-back errors of the file
    // system; the caller then syncs file by file to learn whose it was.
    if (::syncfs(fd_.get()) != 0) return ErrnoError(errno, "syncfs", path_);
    return true;
  }

  Result<FileStat> Stat() override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return ErrnoError(errno, "fstat", path_);
    return FromStat(st);
  }

 private:
  ScopedFd fd_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<PosixFileSystem>> PosixFileSystem::Open(const std::string& root) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    Error e = ErrnoError(errno, "open folder root", root);
    if (errno == ENOTDIR) e.code = ErrorCode::kNotFound;
    return e;
  }
  return std::unique_ptr<PosixFileSystem>(new PosixFileSystem(root, ScopedFd(fd)));
}

std::unique_ptr<PosixFileSystem> PosixFileSystem::OpenLater(const std::string& root) {
  return std::unique_ptr<PosixFileSystem>(new PosixFileSystem(root, ScopedFd()));
}

Result<ScopedFd> PosixFileSystem::OpenBeneath(const std::string& path, int flags,
                                              const char* what) {
  directory_opens_.fetch_add(1, std::memory_order_relaxed);
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const char* relative = path.empty() ? "." : path.c_str();
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd_.get(), relative, &how, sizeof(how));
    if (fd >= 0) return ScopedFd(static_cast<int>(fd));
    // EAGAIN: a concurrent rename raced the lookup; the kernel asks for a retry.
    if ((errno == EAGAIN || errno == EINTR) && attempt < 8) continue;
    if (errno == ELOOP || errno == EXDEV) {
      return Fail(ErrorCode::kUnauthorized,
                  std::string(what) + " '" + path + "': path passes through a symlink");
    }
    return ErrnoError(errno, what, path);
  }
}

Result<FileStat> PosixFileSystem::Lstat(const std::string& path) {
  struct stat st {};
  if (path.empty()) {
    if (::fstat(root_fd_.get(), &st) != 0) return ErrnoError(errno, "stat folder root", root_);
    if (st.st_nlink == 0) {
      return Fail(ErrorCode::kNotFound, "folder root '" + root_ + "' has been deleted");
    }
    return FromStat(st);
  }
  // In a directory already open: one fstatat on it, not following the
  // last component.
  if (CachedDirs() != nullptr && CheckEntryPath(path, "lstat")) {
    auto parent = OpenParent(path, "lstat");
    if (!parent) return parent.error();
    if (::fstatat(parent->fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError(errno, "lstat", path);
    }
    return FromStat(st);
  }
  // O_PATH | O_NOFOLLOW yields a descriptor for a final symlink itself.
  auto fd = OpenBeneath(path, O_PATH | O_NOFOLLOW, "lstat");
  if (!fd) return fd.error();
  if (::fstat(fd->get(), &st) != 0) return ErrnoError(errno, "lstat", path);
  return FromStat(st);
}

Result<std::vector<DirEntry>> PosixFileSystem::ListDir(const std::string& path) {
  auto fd = OpenBeneath(path, O_RDONLY | O_DIRECTORY, "open directory");
  if (!fd) return fd.error();
  int dir_fd = fd->get();
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) return ErrnoError(errno, "open directory", path);
  fd->Release();  // the DIR* owns it now; closedir closes it
  std::vector<DirEntry> entries;
  int err = 0;
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      err = errno;
      break;
    }
    const char* n = entry->d_name;
    if (std::strcmp(n, ".") == 0 || std::strcmp(n, "..") == 0) continue;
    // One component relative to the open directory, never followed: safe
    // against a link swapped in, and no repeated path walk per entry.
    struct stat st {};
    if (::fstatat(dir_fd, n, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while listing
      err = errno;
      break;
    }
    entries.push_back({n, FromStat(st)});
  }
  ::closedir(dir);  // only fails on a bad DIR*, which this is not
  if (err != 0) return ErrnoError(err, "read directory", path);
  return entries;
}

Result<std::unique_ptr<ReadableFile>> PosixFileSystem::OpenRead(const std::string& path) {
  auto fd = OpenBeneath(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, "open");
  if (!fd) return fd.error();
  // O_NONBLOCK only keeps a FIFO swapped in from blocking the open; a
  // regular file ignores it. Anything else is refused here.
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return ErrnoError(errno, "fstat", path);
  if (!S_ISREG(st.st_mode)) return Fail(ErrorCode::kIo, "open '" + path + "': not a regular file");
  ::posix_fadvise(fd->get(), 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint; failure is harmless
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(std::move(*fd), path));
}

Result<std::string> PosixFileSystem::ReadLink(const std::string& path) {
  auto fd = OpenBeneath(path, O_PATH | O_NOFOLLOW, "readlink");
  if (!fd) return fd.error();
  std::string target(256, '\0');
  for (;;) {
    // An empty name with an O_PATH descriptor reads the link it refers to.
    ssize_t n = ::readlinkat(fd->get(), "", target.data(), target.size());
    if (n < 0) return ErrnoError(errno, "readlink", path);
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // possibly truncated: grow and retry
  }
}

Result<PosixFileSystem::Parent> PosixFileSystem::OpenParent(const std::string& path,
                                                            const char* what) {
  if (auto ok = CheckEntryPath(path, what); !ok) return ok.error();
  Parent parent;
  parent.name = std::string(BaseName(path));
  const std::string dir = ParentOf(path);
  if (dir.empty()) {  // a name in the root
    parent.fd = root_fd_.get();
    return parent;
  }
  auto* cached = CachedDirs();
  if (cached != nullptr) {
    if (auto it = cached->find(dir); it != cached->end()) {
      parent.fd = it->second.get();
      return parent;
    }
  }
  // O_PATH: the *at calls need only search permission on the directory.
  auto fd = OpenBeneath(dir, O_PATH | O_DIRECTORY, "parent directory");
  if (!fd) {
    std::string context(what);
    context.append(" '").append(path).append("'");
    return fd.error().Wrap(context);
  }
  // Never evicted while the scope lasts (a Rename holds two at once): when
  // full, further directories are opened per call as without a cache.
  if (cached != nullptr && cached->size() < kMaxCachedDirs) {
    parent.fd = cached->emplace(dir, std::move(*fd)).first->second.get();
    return parent;
  }
  parent.fd = fd->get();
  parent.owned = std::move(*fd);
  return parent;
}

Result<std::unique_ptr<WritableFile>> PosixFileSystem::OpenWrite(const std::string& path) {
  auto parent = OpenParent(path, "open for writing");
  if (!parent) return parent.error();
  // O_NONBLOCK keeps a FIFO found at the name from blocking the open.
  int flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  int fd = -1;
  do {
    fd = ::openat(parent->fd, parent->name.c_str(), flags, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ELOOP) {
    return PathError(ErrorCode::kConflict, "open for writing", path, "is a symlink");
  }
  if (fd < 0 && errno == EISDIR) {
    return PathError(ErrorCode::kConflict, "open for writing", path, "is a directory");
  }
  if (fd < 0) return ErrnoError(errno, "open for writing", path);
  ScopedFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoError(errno, "fstat", path);
  if (!S_ISREG(st.st_mode)) {
    return PathError(ErrorCode::kConflict, "open for writing", path, "not a regular file");
  }
  return std::unique_ptr<WritableFile>(new PosixWritableFile(std::move(owned), path));
}

Result<void> PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/true);
}

Result<void> PosixFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/false);
}

Result<void> PosixFileSystem::RenameImpl(const std::string& from, const std::string& to,
                                         bool replace) {
  const char* what = replace ? "rename" : "rename without replacing";
  auto source = OpenParent(from, what);
  if (!source) return source.error();
  auto target = OpenParent(to, what);
  if (!target) return target.error();
  int src_dir = source->fd;
  int dst_dir = target->fd;
  const char* src_name = source->name.c_str();
  const char* dst_name = target->name.c_str();
  int rc = 0;
  if (replace) {
    // rename(2) would replace an empty directory; the contract refuses any.
    struct stat st {};
    if (from != to && ::fstatat(dst_dir, dst_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
      return PathError(ErrorCode::kConflict, what, to, "refusing to replace a directory");
    }
    rc = ::renameat(src_dir, src_name, dst_dir, dst_name);
  } else {
    rc = ::renameat2(src_dir, src_name, dst_dir, dst_name, RENAME_NOREPLACE);
  }
  if (rc == 0) {
    ForgetCached(from);  // a directory moved: nothing cached may find it under either name
    ForgetCached(to);
    return {};
  }
  int err = errno;
  std::string context(what);
  context.append(" '").append(from).append("' to");
  if (err == EISDIR) return PathError(ErrorCode::kConflict, what, to, "is a directory");
  if (err == ENOTDIR) {  // the parents are open, so: a directory over a non-directory
    return PathError(ErrorCode::kConflict, what, to, "refusing to replace a file");
  }
  if (err == EINVAL) {
    return PathError(ErrorCode::kInvalidArgument, what, to, "a directory cannot move into itself");
  }
  return ErrnoError(err, context, to);
}

Result<void> PosixFileSystem::MakeDir(const std::string& path, std::uint32_t permissions) {
  auto parent = OpenParent(path, "mkdir");
  if (!parent) return parent.error();
  if (::mkdirat(parent->fd, parent->name.c_str(), permissions & 07777) != 0) {
    return ErrnoError(errno, "mkdir", path);
  }
  return {};
}

Result<void> PosixFileSystem::MakeSymlink(const std::string& path, const std::string& target) {
  if (target.empty() || target.find('\0') != std::string::npos) {
    return PathError(ErrorCode::kInvalidArgument, "symlink", path, "empty target or NUL byte");
  }
  auto parent = OpenParent(path, "symlink");
  if (!parent) return parent.error();
  if (::symlinkat(target.c_str(), parent->fd, parent->name.c_str()) != 0) {
    return ErrnoError(errno, "symlink", path);
  }
  return {};
}

Result<void> PosixFileSystem::RemoveFile(const std::string& path) {
  auto parent = OpenParent(path, "unlink");
  if (!parent) return parent.error();
  if (::unlinkat(parent->fd, parent->name.c_str(), 0) != 0) {
    // Linux reports a directory as EISDIR (POSIX allows EPERM, which Linux
    // uses only for real permission problems).
    if (errno == EISDIR) return PathError(ErrorCode::kConflict, "unlink", path, "is a directory");
    return ErrnoError(errno, "unlink", path);
  }
  return {};
}

Result<void> PosixFileSystem::RemoveDir(const std::string& path) {
  auto parent = OpenParent(path, "rmdir");
  if (!parent) return parent.error();
  if (::unlinkat(parent->fd, parent->name.c_str(), AT_REMOVEDIR) != 0) {
    return ErrnoError(errno, "rmdir", path);  // ENOTEMPTY/EEXIST map to kConflict
  }
  ForgetCached(path);
  return {};
}

Result<void> PosixFileSystem::SetMetadata(const std::string& path, std::int64_t mtime_ns,
                                          std::uint32_t permissions) {
  if (path.empty()) {
    auto fd = OpenBeneath(path, O_RDONLY | O_DIRECTORY, "set metadata");
    if (!fd) return fd.error();
    return SetFdMetadata(fd->get(), mtime_ns, permissions, root_);
  }
  auto parent = OpenParent(path, "set metadata");
  if (!parent) return parent.error();
  int dir = parent->fd;
  const char* name = parent->name.c_str();
  int fd = ::openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0) {
    ScopedFd owned(fd);
    return SetFdMetadata(fd, mtime_ns, permissions, path);
  }
  if (errno == ELOOP) {
    return PathError(ErrorCode::kInvalidArgument, "set metadata", path, "is a symlink");
  }
  if (errno != EACCES) return ErrnoError(errno, "set metadata", path);
  // No read permission (a 0200 file, a 0300 directory): act on the name,
  // still without following it; the owner may change both without reading.
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(errno, "set metadata", path);
  }
  if (S_ISLNK(st.st_mode)) {
    return PathError(ErrorCode::kInvalidArgument, "set metadata", path, "is a symlink");
  }
  struct timespec times[2];
  ToTimes(mtime_ns, times);
  if (::utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(errno, "set mtime", path);
  }
  if (::fchmodat(dir, name, permissions & 07777, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(errno, "chmod", path);
  }
  return {};
}

Result<void> PosixFileSystem::SyncDir(const std::string& path) {
  if (!path.empty()) {
    if (auto ok = CheckEntryPath(path, "fsync directory"); !ok) return ok;
  }
  auto fd = OpenBeneath(path, O_RDONLY | O_DIRECTORY, "fsync directory");
  if (!fd) return fd.error();
  if (::fsync(fd->get()) != 0) return ErrnoError(errno, "fsync directory", path);
  return {};
}

Result<DiskSpace> PosixFileSystem::FreeSpace() {
  struct statvfs vfs {};
  if (::fstatvfs(root_fd_.get(), &vfs) != 0) return ErrnoError(errno, "statvfs", root_);
  DiskSpace space;
  space.free_bytes =
      static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
  space.total_bytes =
      static_cast<std::int64_t>(vfs.f_blocks) * static_cast<std::int64_t>(vfs.f_frsize);
  return space;
}

Result<std::uint64_t> PosixFileSystem::ReopenRoot() {
  auto reopened = Open(root_);
  if (!reopened) return reopened.error();
  struct stat st {};
  if (::fstat((*reopened)->root_fd_.get(), &st) != 0) {
    return ErrnoError(errno, "stat folder root", root_);
  }
  if (auto* cached = CachedDirs(); cached != nullptr) cached->clear();
  root_fd_ = std::move((*reopened)->root_fd_);
  return static_cast<std::uint64_t>(st.st_dev);
}

}  // namespace shoal
