#include "tests/support/memory_file_system.h"

#include <catch2/catch.hpp>

namespace shoal {
namespace {

std::vector<std::string> Names(const std::vector<DirEntry>& entries) {
  std::vector<std::string> names;
  for (const DirEntry& e : entries) names.push_back(e.name);
  return names;
}

}  // namespace

TEST_CASE("memory file system lists, stats and reads like a directory tree", "[fs]") {
  MemoryFileSystem fs;
  fs.WriteFile("a/b/c.txt", "hello", 42, 0600);
  fs.AddSymlink("a/link", "b/c.txt");
  fs.WriteFile("a-sibling", "x", 1);
  CHECK(fs.Lstat("a")->kind == EntryKind::kDirectory);
  CHECK(fs.Lstat("a/b/c.txt")->size == 5);
  CHECK(fs.Lstat("a/b/c.txt")->mtime_ns == 42);
  CHECK(fs.Lstat("a/b/c.txt")->permissions == 0600);
  CHECK(Names(fs.ListDir("a").value()) == std::vector<std::string>{"b", "link"});
  CHECK(fs.ListDir("a").value()[1].stat.kind == EntryKind::kSymlink);
  CHECK(Names(fs.ListDir("").value()) == std::vector<std::string>{"a", "a-sibling"});
  CHECK(fs.ReadLink("a/link").value() == "b/c.txt");
  auto file = fs.OpenRead("a/b/c.txt");
  REQUIRE(file);
  std::uint8_t buf[16];
  CHECK((*file)->Read(buf).value() == 5);
  CHECK((*file)->Read(buf).value() == 0);
  CHECK(fs.Lstat("missing").error().code == ErrorCode::kNotFound);
}

TEST_CASE("memory file system keeps the inode on rewrite and removes whole trees", "[fs]") {
  MemoryFileSystem fs;
  fs.WriteFile("d/x", "1", 1);
  fs.WriteFile("d/y/z", "2", 1);
  fs.WriteFile("d-keep", "3", 1);
  auto inode = fs.Lstat("d/x")->inode;
  fs.WriteFile("d/x", "11", 2);
  CHECK(fs.Lstat("d/x")->inode == inode);
  fs.Remove("d");
  CHECK_FALSE(fs.Lstat("d"));
  CHECK_FALSE(fs.Lstat("d/y/z"));
  CHECK(fs.Lstat("d-keep"));
  fs.WriteFile("d/x", "new", 3);
  CHECK(fs.Lstat("d/x")->inode != inode);
}

TEST_CASE("memory file system denies unreadable entries", "[fs]") {
  MemoryFileSystem fs;
  fs.WriteFile("dir/f", "x", 1);
  fs.SetUnreadable("dir", true);
  fs.SetUnreadable("dir/f", true);
  CHECK(fs.ListDir("dir").error().code == ErrorCode::kUnauthorized);
  CHECK(fs.OpenRead("dir/f").error().code == ErrorCode::kUnauthorized);
}

}  // namespace shoal
