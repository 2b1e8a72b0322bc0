#include "net/identity/identity.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/base/scoped_fd.h"

namespace shoal::net {
namespace {

constexpr std::uint64_t kNoiseStaticSubkeyId = 1;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "shoalid1";  // exactly 8 chars

// Reads errno first thing: callers pass only existing strings, so nothing
// allocates (and possibly clobbers errno) before it is read.
Error ErrnoError(ErrorCode code, const char* what, const std::string& path) {
  const int err = errno;
  return Error{code, std::string("identity: ") + what + " '" + path + "': " + std::strerror(err)};
}

std::string KeyPath(const std::string& home) {
  return home + "/" + std::string(Identity::kFileName);
}

// Removes a temp file unless Keep() was called (the rename succeeded).
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());  // best effort on an error path
  }
  void Keep() { path_.clear(); }

 private:
  std::string path_;
};

Result<void> WriteAll(int fd, ByteSpan bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(ErrorCode::kIo, "write", path);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

// Moves `from` to `to` atomically, failing with kConflict if `to` exists.
// renameat2(RENAME_NOREPLACE) where the filesystem supports it, else
// link + unlink, which is just as atomic about not replacing.
Result<void> RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return {};
  if (errno == EINVAL || errno == ENOSYS) {
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());  // the key is in place; a leftover link is harmless
      return {};
    }
  }
  if (errno == EEXIST) {
    return Fail(ErrorCode::kConflict,
                "identity: '" + to + "' already exists; refusing to replace it");
  }
  return ErrnoError(ErrorCode::kIo, "rename to", to);
}

Result<void> SyncDirectory(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(ErrorCode::kIo, "open directory", dir);
  if (::fsync(fd.get()) != 0) return ErrnoError(ErrorCode::kIo, "fsync directory", dir);
  return fd.Close();
}

// Writes `seed` to a new file at `path` (temp file, fsync, rename, fsync dir).
Result<void> WriteKeyFile(const std::string& home, const std::string& path, ByteSpan seed) {
  std::array<std::uint8_t, 8> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const std::string temp = path + ".tmp-" + HexEncode(nonce);
  // O_EXCL: never write through a planted file or symlink.
  ScopedFd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return ErrnoError(ErrorCode::kIo, "create", temp);
  TempFileGuard guard(temp);
  // The umask may have narrowed 0600 (never widened it); make it exact.
  if (::fchmod(fd.get(), 0600) != 0) return ErrnoError(ErrorCode::kIo, "chmod", temp);
  if (auto written = WriteAll(fd.get(), seed, temp); !written) return written;
  if (::fsync(fd.get()) != 0) return ErrnoError(ErrorCode::kIo, "fsync", temp);
  if (auto closed = fd.Close(); !closed) return closed.error().Wrap("identity: " + temp);
  if (auto renamed = RenameNoReplace(temp, path); !renamed) return renamed;
  guard.Keep();
  return SyncDirectory(home);
}

std::string ModeString(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Reads the whole key file into secret memory after checking its mode and size.
Result<SecretBytes> ReadKeyFile(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at the path must not hang the daemon.
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    return ErrnoError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(ErrorCode::kIo, "stat", path);
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kCorrupt, "identity: '" + path + "' is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    const char* how = (st.st_mode & 044) != 0 ? "readable" : "accessible";
    return Fail(ErrorCode::kUnauthorized, std::string(Identity::kFileName) + " is " + how +
                                              " by group or others (mode " +
                                              ModeString(st.st_mode) + "); run chmod 600 " + path);
  }
  if (st.st_size != static_cast<off_t>(Identity::kSeedSize)) {
    return Fail(ErrorCode::kCorrupt, "identity: '" + path + "' has " + std::to_string(st.st_size) +
                                         " bytes, expected 32");
  }
  auto seed = SecretBytes::Allocate(Identity::kSeedSize);
  if (!seed) return seed.error();
  std::size_t filled = 0;
  while (filled < seed->size()) {
    ssize_t n = ::read(fd.get(), seed->data() + filled, seed->size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(ErrorCode::kIo, "read", path);
    if (n == 0) return Fail(ErrorCode::kCorrupt, "identity: '" + path + "' shrank while reading");
    filled += static_cast<std::size_t>(n);
  }
  return seed;
}

}  // namespace

Result<Identity> Identity::FromSeed(ByteSpan seed) {
  if (seed.size() != kSeedSize) {
    return Fail(ErrorCode::kInvalidArgument, "identity: seed must be 32 bytes");
  }
  auto seed_copy = SecretBytes::CopyOf(seed);
  if (!seed_copy) return seed_copy.error();
  auto private_key = SecretBytes::Allocate(kDhLen);
  if (!private_key) return private_key.error();
  if (crypto_kdf_derive_from_key(private_key->data(), private_key->size(), kNoiseStaticSubkeyId,
                                 kKdfContext, seed_copy->data()) != 0) {
    return Fail(ErrorCode::kCrypto, "identity: key derivation failed");
  }
  auto public_key = DerivePublicKey(private_key->view());
  if (!public_key) return public_key.error().Wrap("identity");
  return Identity(std::move(*seed_copy), std::move(*private_key), DeviceId(*public_key));
}

Result<Identity> Identity::Create(const std::string& home) {
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  const std::string path = KeyPath(home);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return Fail(ErrorCode::kConflict,
                "identity: '" + path + "' already exists; refusing to replace it");
  }
  auto seed = SecretBytes::Allocate(kSeedSize);
  if (!seed) return seed.error();
  randombytes_buf(seed->data(), seed->size());
  if (auto written = WriteKeyFile(home, path, seed->view()); !written) return written.error();
  return FromSeed(seed->view());
}

Result<Identity> Identity::Load(const std::string& home) {
  auto seed = ReadKeyFile(KeyPath(home));
  if (!seed) return seed.error();
  return FromSeed(seed->view());
}

Result<Identity> Identity::LoadOrCreate(const std::string& home) {
  auto loaded = Load(home);
  if (loaded || loaded.error().code != ErrorCode::kNotFound) return loaded;
  auto created = Create(home);
  // Another process may have created it in between: use that one.
  if (!created && created.error().code == ErrorCode::kConflict) return Load(home);
  return created;
}

}  // namespace shoal::net
