#include "cli/gui/gui_token.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/bytes.h"
#include "core/base/scoped_fd.h"

namespace shoal::cli {
namespace {

constexpr std::size_t kTokenBytes = 32;

Error Errno(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno)};
}

}  // namespace

std::string GuiTokenPath(const std::string& home_dir) { return home_dir + "/gui-token"; }

Result<std::string> ReadGuiToken(const std::string& home_dir) {
  const std::string path = GuiTokenPath(home_dir);
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return Error{errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                 "open " + path + ": " + std::strerror(errno)};
  }
  char buffer[2 * kTokenBytes + 2] = {};
  const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer) - 1);
  if (n < 0) return Errno("read", path);
  std::string token(buffer, static_cast<std::size_t>(n));
  while (!token.empty() && token.back() == '\n') token.pop_back();
  if (token.size() != 2 * kTokenBytes) {
    return Error{ErrorCode::kCorrupt, path + " is not a token: delete it and restart the daemon"};
  }
  return token;
}

Result<std::string> LoadOrCreateGuiToken(const std::string& home_dir) {
  auto kept = ReadGuiToken(home_dir);
  if (kept || kept.error().code != ErrorCode::kNotFound) return kept;
  const std::string path = GuiTokenPath(home_dir);
  Bytes raw(kTokenBytes);
  randombytes_buf(raw.data(), raw.size());
  const std::string token = HexEncode(raw);
  sodium_memzero(raw.data(), raw.size());
  ScopedFd fd(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Errno("create", path);
  // The umask may have narrowed 0600, never widened it; make it exact.
  if (::fchmod(fd.get(), 0600) != 0) return Errno("chmod", path);
  const std::string line = token + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(fd.get()) != 0) {
    return Errno("write", path);
  }
  return token;
}

}  // namespace shoal::cli
