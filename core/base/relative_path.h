// Folder-relative names: UTF-8, '/'-separated, no leading or trailing '/'
// ("" is the folder root). The few operations on them every layer needs,
// in one place.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

// The directory holding `name`: "a/b" for "a/b/c", "" for "c".
inline std::string ParentOf(std::string_view name) {
  const auto slash = name.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(name.substr(0, slash));
}

// The last component: "c" for "a/b/c" and for "c".
inline std::string_view BaseName(std::string_view name) {
  const auto slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// `path` is `root` or lies beneath it; everything is under the root "".
inline bool IsUnder(std::string_view path, std::string_view root) {
  return root.empty() || path == root ||
         (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/');
}

}  // namespace shoal
