// TempDir: a fresh directory under $TMPDIR (or /tmp) for one test, removed
// recursively with everything in it when the object goes out of scope.
#pragma once

#include <filesystem>
#include <string>

namespace shoal::testing {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace shoal::testing
