#include "core/version/name_check.h"

#include <string>

#include "core/base/utf8.h"
#include "core/ignore/ignore_matcher.h"

namespace shoal {
namespace {

Unexpected Reject(std::string_view name, const std::string& why) {
  return Fail(ErrorCode::kInvalidArgument,
              "name '" + EscapeInvalidUtf8(name.substr(0, 200)) + "' refused: " + why);
}

}  // namespace

Result<void> CheckRemoteName(std::string_view name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "empty name refused");
  if (name.size() > kMaxNameBytes) return Reject(name, "longer than 4096 bytes");
  if (name.find('\0') != std::string_view::npos) return Reject(name, "contains a NUL byte");
  if (!IsValidUtf8(name)) return Reject(name, "not valid UTF-8");
  if (name.front() == '/') return Reject(name, "absolute path");
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = name.find('/', start);
    std::string_view part =
        name.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty()) return Reject(name, "empty path component");
    if (part == "." || part == "..") return Reject(name, "'" + std::string(part) + "' component");
    if (part.size() > kMaxComponentBytes) return Reject(name, "component longer than 255 bytes");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (IgnoreMatcher::IsBuiltinIgnored(name)) return Reject(name, "reserved for Shoal's own files");
  return {};
}

Result<void> CheckSymlinkTarget(std::string_view name, std::string_view target) {
  auto refuse = [&](const std::string& why) { return Reject(name, "symlink target " + why); };
  if (target.empty()) return refuse("is empty");
  if (target.size() >= kMaxNameBytes) return refuse("longer than 4095 bytes");
  if (target.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
  if (target.front() == '/') return refuse("is absolute");
  // Depth below the root of the directory the link sits in.
  std::int64_t depth = 0;
  for (char c : name) depth += c == '/' ? 1 : 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = target.find('/', start);
    std::string_view part =
        target.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part == "..") {
      if (--depth < 0) return refuse("leads out of the folder");
    } else if (!part.empty() && part != ".") {
      depth++;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

}  // namespace shoal
