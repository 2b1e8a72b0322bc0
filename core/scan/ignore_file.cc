#include "core/scan/ignore_file.h"

#include <string>

namespace shoal {
namespace {

Result<std::string> ReadIgnoreFile(FileSystem& fs) {
  auto stat = fs.Lstat(kIgnoreFileName);
  if (!stat) {
    if (stat.error().code == ErrorCode::kNotFound) return std::string();
    return stat.error();
  }
  if (stat->kind != EntryKind::kFile) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(kIgnoreFileName) + " must be a regular file (it is a " +
                    (stat->kind == EntryKind::kSymlink ? "symlink" : "directory or special file") +
                    "); fix or remove it");
  }
  auto file = fs.OpenRead(kIgnoreFileName);
  if (!file) return file.error();
  std::string text;
  std::uint8_t buffer[16384];
  for (;;) {
    auto n = (*file)->Read(buffer);
    if (!n) return n.error();
    if (*n == 0) return text;
    text.append(reinterpret_cast<const char*>(buffer), *n);
    if (text.size() > kMaxIgnoreFileBytes) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(kIgnoreFileName) + " is larger than 1 MiB");
    }
  }
}

}  // namespace

Result<IgnoreMatcher> LoadIgnoreRules(FileSystem& fs) {
  auto text = ReadIgnoreFile(fs);
  if (!text) return text.error();
  if (text->empty()) return IgnoreMatcher();
  auto parsed = IgnoreMatcher::Parse(*text);
  if (!parsed) return parsed.error().Wrap(kIgnoreFileName);
  return parsed;
}

Result<IgnoreMatcher> IgnoreRules::Load(FileSystem& fs) {
  auto rules = LoadIgnoreRules(fs);
  std::lock_guard<std::mutex> lock(mutex_);
  if (rules) {
    last_good_ = *rules;
    problem_.clear();
    return rules;
  }
  problem_ = rules.error().message;
  if (!last_good_) return rules.error();
  return *last_good_;
}

bool IgnoreRules::IsIgnored(std::string_view path, bool is_dir) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !last_good_ || last_good_->IsIgnored(path, is_dir);
}

std::string IgnoreRules::problem() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return problem_;
}

}  // namespace shoal
