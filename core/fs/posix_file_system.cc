#include "core/fs/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/scoped_fd.h"

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

std::string PosixFileSystem::Full(const std::string& path) const {
  return path.empty() ? root_ : root_ + "/" + path;
}

Result<FileStat> PosixFileSystem::Lstat(const std::string& path) {
  struct stat st {};
  if (::lstat(Full(path).c_str(), &st) != 0) return ErrnoError(errno, "lstat", path);
  return FromStat(st);
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& path) {
  DIR* dir = ::opendir(Full(path).c_str());
  if (dir == nullptr) return ErrnoError(errno, "open directory", path);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    const char* n = entry->d_name;
    if (std::strcmp(n, ".") == 0 || std::strcmp(n, "..") == 0) continue;
    names.emplace_back(n);
  }
  int err = errno;
  ::closedir(dir);  // only fails on a bad DIR*, which this is not
  if (err != 0) return ErrnoError(err, "read directory", path);
  return names;
}

Result<std::unique_ptr<ReadableFile>> PosixFileSystem::OpenRead(const std::string& path) {
  // O_NOFOLLOW: a file swapped for a symlink since the walk is not followed.
  int fd = ::open(Full(path).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) return ErrnoError(errno, "open", path);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint; failure is harmless
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(ScopedFd(fd), path));
}

Result<std::string> PosixFileSystem::ReadLink(const std::string& path) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlink(Full(path).c_str(), target.data(), target.size());
    if (n < 0) return ErrnoError(errno, "readlink", path);
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // possibly truncated: grow and retry
  }
}

}  // namespace shoal
