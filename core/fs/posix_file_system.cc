#include "core/fs/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal {
namespace {

Error ErrnoError(int err, const std::string& what, const std::string& path) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kUnauthorized;
  return Error{code, what + " '" + path + "': " + std::strerror(err)};
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

 private:
  ScopedFd fd_;
  std::string path_;
};

}  // namespace

std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

Result<std::unique_ptr<PosixFileSystem>> PosixFileSystem::Open(const std::string& root) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    Error e = ErrnoError(errno, "open folder root", root);
    if (errno == ENOTDIR) e.code = ErrorCode::kNotFound;
    return e;
  }
  return std::unique_ptr<PosixFileSystem>(new PosixFileSystem(root, ScopedFd(fd)));
}

Result<ScopedFd> PosixFileSystem::OpenBeneath(const std::string& path, int flags,
                                              const char* what) {
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

}  // namespace shoal
