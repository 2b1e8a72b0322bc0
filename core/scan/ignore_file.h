// The folder's ignore rules as the scanner and the puller both apply them:
// the built-ins plus ".shoalignore" at the folder root (docs/ignore.md).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/ignore/ignore_matcher.h"

namespace shoal {

inline constexpr char kIgnoreFileName[] = ".shoalignore";
inline constexpr std::size_t kMaxIgnoreFileBytes = 1 << 20;

// Reads and compiles .shoalignore (only the built-ins when there is none).
// Fails when it is not a regular file, is larger than 1 MiB or does not parse.
Result<IgnoreMatcher> LoadIgnoreRules(FileSystem& fs);

// The rules in force for one folder, shared by its scanner and puller. Each
// Load re-reads .shoalignore so edits take effect at once; when it cannot be
// read or parsed, the last rules that could are kept (and the reason is
// returned by problem()), so a broken .shoalignore neither stops the folder
// nor suddenly syncs what it used to exclude.
//
// Thread: any thread (a mutex guards the rules). In the daemon its users,
// the scan's Plan and the puller, both run on the loop thread.
class IgnoreRules {
 public:
  // The rules to apply now: fresh ones, or the last good ones when the file
  // is unreadable. Fails only when it has never been read successfully.
  Result<IgnoreMatcher> Load(FileSystem& fs);
  // Why the last Load could not use the file; empty when it could.
  std::string problem() const;
  // Whether the rules in force (the last good ones) exclude `path`, without
  // touching the disk. True until a Load has succeeded: before the rules
  // are known, nothing is taken as shareable.
  bool IsIgnored(std::string_view path, bool is_dir) const;

 private:
  mutable std::mutex mutex_;
  std::optional<IgnoreMatcher> last_good_;
  std::string problem_;
};

}  // namespace shoal
