#include "core/fs/file_system.h"

namespace shoal {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  std::string out = dir;
  out.push_back('/');
  out.append(name);
  return out;
}

Result<void> CheckEntryPath(const std::string& path, const char* what) {
  auto bad = [&](const char* why) {
    std::string message(what);
    message.append(" '").append(path).append("': ").append(why);
    return Fail(ErrorCode::kInvalidArgument, std::move(message));
  };
  if (path.empty()) return bad("the folder root is not an entry");
  if (path.find('\0') != std::string::npos) return bad("NUL byte in path");
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = path.find('/', start);
    std::size_t end = slash == std::string::npos ? path.size() : slash;
    std::string_view component(path.data() + start, end - start);
    if (component.empty() || component == "." || component == "..") {
      return bad("empty, '.' or '..' path component");
    }
    if (slash == std::string::npos) return {};
    start = slash + 1;
  }
}

}  // namespace shoal
