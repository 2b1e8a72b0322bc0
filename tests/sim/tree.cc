#include "tests/sim/tree.h"

#include <vector>

#include "core/pull/version_name.h"
#include "core/sync/folder_guard.h"

namespace shoal::sim {
namespace {

Result<std::string> ReadAll(FileSystem& fs, const std::string& path) {
  auto file = fs.OpenRead(path);
  if (!file) return file.error();
  std::string out;
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (;;) {
    auto n = (*file)->Read(buffer);
    if (!n) return n.error();
    if (*n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

Result<void> Walk(FileSystem& fs, const std::string& dir, bool with_content, Tree& tree) {
  auto listed = fs.ListDir(dir);
  if (!listed) return listed.error();
  std::vector<DirEntry> entries = std::move(*listed);
  for (const DirEntry& entry : entries) {
    // Shoal's own (marker, versions), never synced; versions are read by ReadVersions.
    if (dir.empty() && entry.name == kMarkerDir) continue;
    std::string path = JoinPath(dir, entry.name);
    TreeEntry& out = tree[path];
    out.kind = entry.stat.kind;
    out.permissions = entry.stat.permissions;
    out.mtime_ns = entry.stat.mtime_ns;
    if (entry.stat.kind == EntryKind::kDirectory) {
      if (auto ok = Walk(fs, path, with_content, tree); !ok) return ok;
    } else if (entry.stat.kind == EntryKind::kSymlink) {
      auto target = fs.ReadLink(path);
      if (!target) return target.error();
      out.data = std::move(*target);
    } else if (entry.stat.kind == EntryKind::kFile && with_content) {
      auto content = ReadAll(fs, path);
      if (!content) return content.error();
      out.data = std::move(*content);
    }
  }
  return {};
}

}  // namespace

Result<Tree> ReadTree(FileSystem& fs, bool with_content) {
  Tree tree;
  if (auto ok = Walk(fs, "", with_content, tree); !ok) return ok.error();
  return tree;
}

Result<Tree> ReadVersions(FileSystem& fs) {
  Tree tree;
  if (!fs.Lstat(kVersionsDir)) return tree;
  if (auto ok = Walk(fs, kVersionsDir, true, tree); !ok) return ok.error();
  return tree;
}

bool IsTempName(const std::string& path) {
  return path.starts_with(".shoal.tmp.") || path.find("/.shoal.tmp.") != std::string::npos;
}

const char* KindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kDirectory:
      return "dir";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kSpecial:
      return "special";
  }
  return "?";
}

}  // namespace shoal::sim
