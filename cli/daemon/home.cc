#include "cli/daemon/home.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace shoal::cli {

Result<HomePaths> ResolveHome(const std::string& flag) {
  if (!flag.empty()) return HomePaths{std::filesystem::absolute(flag).string()};
  if (const char* env = std::getenv("SHOAL_HOME"); env && *env) {
    return HomePaths{std::filesystem::absolute(env).string()};
  }
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
    return HomePaths{std::string(state).append("/shoal")};
  }
  if (const char* user_home = std::getenv("HOME"); user_home && *user_home) {
    return HomePaths{std::string(user_home).append("/.local/state/shoal")};
  }
  return Fail(ErrorCode::kInvalidArgument, "no home directory: set SHOAL_HOME or pass --home DIR");
}

Result<void> PrepareHome(const HomePaths& home) {
  std::error_code error;
  std::filesystem::create_directories(home.dir, error);
  if (error) {
    return Fail(ErrorCode::kIo,
                "cannot create the home directory " + home.dir + ": " + error.message());
  }
  struct stat st {};
  if (::stat(home.dir.c_str(), &st) != 0) {
    return Fail(ErrorCode::kIo, "cannot read " + home.dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode))
    return Fail(ErrorCode::kInvalidArgument, home.dir + " is not a directory");
  if ((st.st_mode & 077) != 0) {
    // Freshly made by us (umask) or loosened by hand: tighten it, it is ours.
    if (::chmod(home.dir.c_str(), 0700) != 0) {
      return Fail(
          ErrorCode::kUnauthorized,
          home.dir + " can be opened by other users and chmod 700 failed: " + std::strerror(errno));
    }
  }
  return {};
}

}  // namespace shoal::cli
