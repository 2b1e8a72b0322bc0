// PosixFileSystem's lookup cache (FileSystem::BeginLookupCache): fewer
// directory opens, the same results, and never a way out of the folder.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "core/fs/posix_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

std::span<const std::uint8_t> Span(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Result<void> Put(FileSystem& fs, const std::string& path, std::string_view content) {
  auto file = fs.OpenWrite(path);
  if (!file) return file.error();
  if (auto ok = (*file)->Truncate(0); !ok) return ok;
  return (*file)->WriteAt(0, Span(content));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every entry below `root`: "d" for a directory, the content for a file.
std::map<std::string, std::string> Tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = entry.path().lexically_relative(root).string();
    out[name] = entry.is_directory() ? std::string("d") : "f:" + ReadFile(entry.path());
  }
  return out;
}

// The error's code, or none for a success.
template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

}  // namespace

TEST_CASE(
    "with the lookup cache open, a directory's files are looked up, written and renamed "
    "with the directory opened once",
    "[fs]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem::Open(dir.path().string()).value();
  REQUIRE(fs->MakeDir("d", 0755));
  for (int i = 0; i < 10; ++i) REQUIRE(Put(*fs, "d/f" + std::to_string(i), "x"));

  auto work = [&] {
    for (int i = 0; i < 10; ++i) REQUIRE(fs->Lstat("d/f" + std::to_string(i)));
    REQUIRE(Put(*fs, "d/t", "new"));
    REQUIRE(fs->Rename("d/t", "d/u"));
    REQUIRE(fs->Lstat("d/u"));
  };
  std::uint64_t before = fs->directory_opens();
  work();
  const std::uint64_t uncached = fs->directory_opens() - before;
  CHECK(uncached >= 13);  // one a call, two for the rename

  before = fs->directory_opens();
  {
    ScopedLookupCache lookups(*fs);
    work();
  }
  CHECK(fs->directory_opens() - before == 1);

  // Closed again: each call resolves its path anew.
  before = fs->directory_opens();
  work();
  CHECK(fs->directory_opens() - before == uncached);
}

TEST_CASE(
    "the lookup cache sees the file system's own renames and removals of directories at "
    "once",
    "[fs]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem::Open(dir.path().string()).value();
  ScopedLookupCache lookups(*fs);
  REQUIRE(fs->MakeDir("a", 0755));
  REQUIRE(fs->MakeDir("a/n", 0755));
  REQUIRE(Put(*fs, "a/x", "x"));
  REQUIRE(Put(*fs, "a/n/y", "y"));  // "a" and "a/n" are cached now

  // A renamed directory, and one below it, are gone from their old names.
  REQUIRE(fs->Rename("a", "b"));
  CHECK(CodeOf(fs->Lstat("a/x")) == ErrorCode::kNotFound);
  CHECK(CodeOf(fs->Lstat("a/n/y")) == ErrorCode::kNotFound);
  CHECK(fs->Lstat("b/n/y"));
  // A new directory under the old name is the one written into.
  REQUIRE(fs->MakeDir("a", 0755));
  REQUIRE(fs->MakeDir("a/n", 0755));
  REQUIRE(Put(*fs, "a/n/z", "z"));
  CHECK(ReadFile(dir.path() / "a/n/z") == "z");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "b/n/z"));

  // A removed directory, made again, is the new one.
  REQUIRE(fs->RemoveFile("a/n/z"));
  REQUIRE(fs->RemoveDir("a/n"));
  CHECK(CodeOf(fs->Lstat("a/n/z")) == ErrorCode::kNotFound);
  REQUIRE(fs->MakeDir("a/n", 0755));
  REQUIRE(Put(*fs, "a/n/w", "w"));
  CHECK(ReadFile(dir.path() / "a/n/w") == "w");

  // A directory moved onto another is refused; the cached target stays.
  CHECK(CodeOf(fs->Rename("b/n", "a/n")) == ErrorCode::kConflict);
  CHECK(fs->Lstat("a/n/w"));
}

TEST_CASE(
    "a cached directory swapped for a symlink is still the directory: nothing reaches the "
    "link's target, and the link is refused once the cache is closed",
    "[fs]") {
  testing::TempDir dir;
  const std::filesystem::path root = dir.path() / "root";
  const std::filesystem::path outside = dir.path() / "outside";
  std::filesystem::create_directories(root / "d");
  std::filesystem::create_directories(outside);
  auto fs = PosixFileSystem::Open(root.string()).value();
  {
    ScopedLookupCache lookups(*fs);
    REQUIRE(Put(*fs, "d/f", "f"));  // "d" is cached
    // Someone else moves the directory away and puts a link in its place.
    std::filesystem::rename(root / "d", root / "moved");
    std::filesystem::create_directory_symlink(outside, root / "d");
    REQUIRE(Put(*fs, "d/g", "g"));
    CHECK(fs->Lstat("d/g"));
  }
  CHECK(std::filesystem::is_empty(outside));
  CHECK(ReadFile(root / "moved/g") == "g");  // where the directory went
  CHECK(CodeOf(fs->OpenWrite("d/h")) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs->Lstat("d/f")) == ErrorCode::kUnauthorized);
  CHECK(std::filesystem::is_empty(outside));
}

TEST_CASE("the lookup cache is per thread and per object: others resolve every path", "[fs]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "one/d");
  std::filesystem::create_directories(dir.path() / "two/d");
  auto one = PosixFileSystem::Open((dir.path() / "one").string()).value();
  auto two = PosixFileSystem::Open((dir.path() / "two").string()).value();
  ScopedLookupCache lookups(*one);
  REQUIRE(one->Lstat("d"));
  REQUIRE(Put(*one, "d/f", "1"));
  std::uint64_t before = one->directory_opens();
  REQUIRE(one->Lstat("d/f"));
  CHECK(one->directory_opens() == before);
  // A second object's calls on this thread, and the first's on another.
  ScopedLookupCache nested(*two);  // another object's scope: no cache for it
  before = two->directory_opens();
  REQUIRE(Put(*two, "d/f", "2"));
  REQUIRE(two->Lstat("d/f"));
  CHECK(two->directory_opens() - before == 2);
  before = one->directory_opens();
  std::thread([&] { REQUIRE(one->Lstat("d/f")); }).join();
  CHECK(one->directory_opens() - before == 1);
  CHECK(ReadFile(dir.path() / "one/d/f") == "1");
  CHECK(ReadFile(dir.path() / "two/d/f") == "2");
}

TEST_CASE(
    "any sequence of the file system's own calls gives the same results and tree with the "
    "lookup cache as without it",
    "[fs][property]") {
  const std::uint32_t seed = GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u);
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "plain");
  std::filesystem::create_directories(dir.path() / "cached");
  auto plain = PosixFileSystem::Open((dir.path() / "plain").string()).value();
  auto cached = PosixFileSystem::Open((dir.path() / "cached").string()).value();
  std::unique_ptr<ScopedLookupCache> lookups;

  // Paths of up to three components from a small alphabet, so that calls
  // keep meeting the same directories.
  auto path = [&] {
    static const char* kNames[] = {"a", "b", "c"};
    std::string p = kNames[rng() % 3];
    const int depth = static_cast<int>(rng() % 3);
    for (int i = 0; i < depth; ++i) p += std::string("/") + kNames[rng() % 3];
    return p;
  };
  for (int step = 0; step < 600; ++step) {
    if (rng() % 25 == 0) {  // scopes open and close as passes would
      if (lookups) {
        lookups.reset();
      } else {
        lookups = std::make_unique<ScopedLookupCache>(*cached);
      }
    }
    const std::string p = path();
    const std::string q = path();
    const std::string content = "c" + std::to_string(step);
    INFO("step " << step << ": " << p << " " << q);
    Result<void> r1, r2;
    switch (rng() % 7) {
      case 0:
        r1 = plain->MakeDir(p, 0755);
        r2 = cached->MakeDir(p, 0755);
        break;
      case 1:
        r1 = plain->RemoveDir(p);
        r2 = cached->RemoveDir(p);
        break;
      case 2:
        r1 = plain->Rename(p, q);
        r2 = cached->Rename(p, q);
        break;
      case 3:
        r1 = plain->RenameNoReplace(p, q);
        r2 = cached->RenameNoReplace(p, q);
        break;
      case 4:
        r1 = Put(*plain, p, content);
        r2 = Put(*cached, p, content);
        break;
      case 5:
        r1 = plain->RemoveFile(p);
        r2 = cached->RemoveFile(p);
        break;
      default: {
        auto s1 = plain->Lstat(p);
        auto s2 = cached->Lstat(p);
        REQUIRE(s1.has_value() == s2.has_value());
        if (s1) {
          CHECK(s1->kind == s2->kind);
          CHECK(s1->size == s2->size);
        } else {
          CHECK(s1.error().code == s2.error().code);
        }
        continue;
      }
    }
    REQUIRE(CodeOf(r1) == CodeOf(r2));
  }
  lookups.reset();
  CHECK(Tree(dir.path() / "plain") == Tree(dir.path() / "cached"));
}

}  // namespace shoal
