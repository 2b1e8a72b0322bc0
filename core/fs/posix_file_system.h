// PosixFileSystem: FileSystem over a real directory tree rooted at `root`.
// Thread-safe: holds no mutable state besides the root path.
#pragma once

#include <string>

#include "core/fs/file_system.h"

namespace shoal {

class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(std::string root) : root_(std::move(root)) {}

  Result<FileStat> Lstat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;

  const std::string& root() const { return root_; }

 private:
  std::string Full(const std::string& path) const;

  std::string root_;
};

}  // namespace shoal
