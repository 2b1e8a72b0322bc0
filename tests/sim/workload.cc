#include "tests/sim/workload.h"

#include <array>
#include <vector>

#include "tests/sim/tree.h"

namespace shoal::sim {
namespace {

constexpr std::array<const char*, 4> kDirs = {"a", "b", "a/c", "d"};
constexpr std::array<const char*, 5> kFileDirs = {"", "a", "b", "a/c", "d"};
constexpr std::array<const char*, 4> kFileBases = {"x.txt", "y.bin", "notes.md", "z"};

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Every ancestor of `path` is a directory or absent (created on write).
bool ParentsOk(const Tree& tree, const std::string& path) {
  for (std::string dir = Parent(path); !dir.empty(); dir = Parent(dir)) {
    auto it = tree.find(dir);
    if (it != tree.end() && it->second.kind != EntryKind::kDirectory) return false;
  }
  return true;
}

bool IsBelow(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path[dir.size()] == '/' && path.starts_with(dir);
}

bool ParentExists(const Tree& tree, const std::string& path) {
  std::string dir = Parent(path);
  if (dir.empty()) return true;
  auto it = tree.find(dir);
  return it != tree.end() && it->second.kind == EntryKind::kDirectory;
}

std::vector<std::string> Existing(const Tree& tree, EntryKind kind) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : tree) {
    if (entry.kind == kind && !IsTempName(path)) out.push_back(path);
  }
  return out;
}

std::string PoolFile(Scheduler& s) {
  return JoinPath(kFileDirs[s.Pick(kFileDirs.size())], kFileBases[s.Pick(kFileBases.size())]);
}

std::size_t RandomSize(Scheduler& s) {
  std::int64_t roll = s.Uniform(0, 99);
  if (roll < 45) return s.Uniform(0, 2000);
  if (roll < 75) return s.Uniform(2001, 16 * 1024);
  if (roll < 93) return s.Uniform(16 * 1024, 100 * 1024);
  return s.Uniform(100 * 1024, 300 * 1024);
}

// "<verb> <path> <detail>" without operator+ on literals (g++ 12 -Wrestrict).
std::string Said(const char* verb, const std::string& path, const std::string& detail = "") {
  std::string out(verb);
  out.append(" ").append(path);
  if (!detail.empty()) out.append(" ").append(detail);
  return out;
}

std::string SizeText(std::size_t n) {
  std::string out = std::to_string(n);
  out.push_back('B');
  return out;
}

struct Context {
  MemoryFileSystem& fs;
  Scheduler& s;
  Tree tree;
  std::int64_t now;
  std::vector<std::string> files;
  std::vector<std::string> dirs;
};

// An existing file most of the time, else a pool name (maybe new).
std::string FileToWrite(Context& c) {
  if (!c.files.empty() && c.s.Chance(0.6)) return c.files[c.s.Pick(c.files.size())];
  return PoolFile(c.s);
}

std::uint32_t PermissionsOf(const Context& c, const std::string& path) {
  auto it = c.tree.find(path);
  return it == c.tree.end() || it->second.kind != EntryKind::kFile ? 0644 : it->second.permissions;
}

std::string Write(Context& c) {
  // Now and then a file where other devices may hold a directory.
  std::string path = c.s.Chance(0.04) ? kDirs[c.s.Pick(kDirs.size())] : FileToWrite(c);
  auto it = c.tree.find(path);
  if (!ParentsOk(c.tree, path) || (it != c.tree.end() && it->second.kind == EntryKind::kDirectory))
    return "";
  std::size_t size = RandomSize(c.s);
  c.fs.WriteFile(path, RandomContent(c.s.rng(), size), c.now, PermissionsOf(c, path));
  return Said("write", path, SizeText(size));
}

// Overwrites, appends to or truncates an existing file.
std::string Modify(Context& c, int how) {
  if (c.files.empty()) return "";
  std::string path = c.files[c.s.Pick(c.files.size())];
  std::string content = c.fs.Content(path);
  std::string detail;
  if (how == 0) {
    if (content.empty()) return "";
    std::size_t offset = c.s.Uniform(0, content.size() - 1);
    std::size_t length = c.s.Uniform(1, std::min<std::size_t>(content.size() - offset, 4096));
    content.replace(offset, length, RandomContent(c.s.rng(), length));
    detail.append("@").append(std::to_string(offset)).append(" ").append(SizeText(length));
  } else if (how == 1) {
    std::size_t more = RandomSize(c.s) / 4 + 1;
    content.append(RandomContent(c.s.rng(), more));
    detail.append("+").append(SizeText(more));
  } else {
    content.resize(c.s.Uniform(0, content.size()));
    detail.append("to ").append(SizeText(content.size()));
  }
  c.fs.WriteFile(path, std::move(content), c.now, PermissionsOf(c, path));
  return Said(how == 0 ? "edit" : how == 1 ? "append" : "truncate", path, detail);
}

std::string Delete(Context& c) {
  std::vector<std::string> victims = c.files;
  for (const auto& [path, entry] : c.tree) {
    if (entry.kind == EntryKind::kSymlink) victims.push_back(path);
  }
  if (victims.empty()) return "";
  std::string path = victims[c.s.Pick(victims.size())];
  c.fs.Remove(path);
  return Said("delete", path);
}

// Renames (or copies) an existing file onto a pool name whose directory
// exists, replacing a file there as mv does.
std::string MoveFile(Context& c, bool copy) {
  if (c.files.empty()) return "";
  std::string from = c.files[c.s.Pick(c.files.size())];
  std::string to = PoolFile(c.s);
  auto it = c.tree.find(to);
  if (to == from || !ParentExists(c.tree, to) ||
      (it != c.tree.end() && it->second.kind == EntryKind::kDirectory))
    return "";
  if (copy) {
    c.fs.WriteFile(to, c.fs.Content(from), c.now, PermissionsOf(c, from));
  } else if (!c.fs.Rename(from, to)) {
    return "";
  }
  std::string detail("-> ");
  detail.append(to);
  return Said(copy ? "copy" : "rename", from, detail);
}

std::string MakeDir(Context& c) {
  // Now and then a directory where other devices may hold a file.
  std::string path = c.s.Chance(0.1) ? PoolFile(c.s) : kDirs[c.s.Pick(kDirs.size())];
  if (c.tree.count(path) != 0 || !ParentsOk(c.tree, path)) return "";
  c.fs.MakeDirectory(path);
  return Said("mkdir", path);
}

std::string RemoveDir(Context& c) {
  if (c.dirs.empty()) return "";
  std::string path = c.dirs[c.s.Pick(c.dirs.size())];
  c.fs.Remove(path);
  return Said("rm -r", path);
}

std::string MoveDir(Context& c) {
  if (c.dirs.empty()) return "";
  std::string from = c.dirs[c.s.Pick(c.dirs.size())];
  std::string to = kDirs[c.s.Pick(kDirs.size())];
  if (c.tree.count(to) != 0 || !ParentExists(c.tree, to) || IsBelow(to, from)) return "";
  if (!c.fs.Rename(from, to)) return "";
  std::string detail("-> ");
  detail.append(to);
  return Said("rename dir", from, detail);
}

std::string Symlink(Context& c) {
  std::string path = c.s.Chance(0.5) ? "link" : "a/link";
  auto it = c.tree.find(path);
  if (!ParentsOk(c.tree, path) || (it != c.tree.end() && it->second.kind != EntryKind::kSymlink))
    return "";
  // Relative and inside the folder: a link leading out is refused on receipt.
  std::string target = c.s.Chance(0.5) ? "x.txt" : path == "link" ? "b/z" : "../b/z";
  c.fs.AddSymlink(path, target, c.now);
  std::string detail("-> ");
  detail.append(target);
  return Said("symlink", path, detail);
}

std::string Chmod(Context& c) {
  bool dir = c.s.Chance(0.3);
  const std::vector<std::string>& pool = dir ? c.dirs : c.files;
  if (pool.empty()) return "";
  std::string path = pool[c.s.Pick(pool.size())];
  std::uint32_t mode = dir ? (c.s.Chance(0.5) ? 0755 : 0700) : (c.s.Chance(0.5) ? 0644 : 0600);
  c.fs.SetPermissions(path, mode);
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", mode);
  return Said("chmod", path, octal);
}

}  // namespace

std::string RandomContent(std::mt19937_64& rng, std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t word = rng();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j)
      out[i + j] = static_cast<char>(word >> (8 * j));
  }
  return out;
}

std::string RandomEdit(MemoryFileSystem& fs, Scheduler& scheduler) {
  auto tree = ReadTree(fs, false);
  if (!tree) return "";
  Context c{fs, scheduler, std::move(*tree), scheduler.clock().NowUnixNanos(), {}, {}};
  c.files = Existing(c.tree, EntryKind::kFile);
  c.dirs = Existing(c.tree, EntryKind::kDirectory);
  std::int64_t roll = scheduler.Uniform(0, 99);
  if (roll < 24) return Write(c);
  if (roll < 33) return Modify(c, 0);
  if (roll < 41) return Modify(c, 1);
  if (roll < 47) return Modify(c, 2);
  if (roll < 57) return Delete(c);
  if (roll < 66) return MoveFile(c, false);
  if (roll < 70) return MoveFile(c, true);
  if (roll < 78) return MakeDir(c);
  if (roll < 83) return RemoveDir(c);
  if (roll < 89) return MoveDir(c);
  if (roll < 93) return Symlink(c);
  return Chmod(c);
}

}  // namespace shoal::sim
