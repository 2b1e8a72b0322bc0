// The write side of FileSystem as a contract: every TEMPLATE_TEST_CASE runs
// the same assertions against MemoryFileSystem and PosixFileSystem (over a
// fresh temp dir), so the fake the puller's tests use behaves like the disk.
// Behaviour only one of them has (containment against a real symlink,
// permission fallbacks, the free-space hook) is tested separately below.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "core/fs/posix_file_system.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

struct MemorySubject {
  MemoryFileSystem memory;
  FileSystem& fs() { return memory; }
};

struct PosixSubject {
  testing::TempDir dir;
  std::unique_ptr<PosixFileSystem> posix = PosixFileSystem::Open(dir.path().string()).value();
  FileSystem& fs() { return *posix; }
};

// The same, with the lookup cache open throughout: every contract holds
// with directories reused from earlier calls.
struct PosixCachedSubject : PosixSubject {
  ScopedLookupCache lookups{*posix};
};

std::span<const std::uint8_t> Span(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string ReadAt(WritableFile& file, std::uint64_t offset, std::size_t size) {
  std::string out(size, '\0');
  auto n = file.ReadAt(offset, {reinterpret_cast<std::uint8_t*>(out.data()), out.size()});
  REQUIRE(n);
  out.resize(*n);
  return out;
}

// Creates (or rewrites) a whole file through OpenWrite.
void Put(FileSystem& fs, const std::string& path, std::string_view content) {
  auto file = fs.OpenWrite(path);
  REQUIRE(file);
  REQUIRE((*file)->Truncate(0));
  REQUIRE((*file)->WriteAt(0, Span(content)));
}

// Whole content through OpenRead, "<missing>" if it cannot be opened.
std::string Get(FileSystem& fs, const std::string& path) {
  auto file = fs.OpenRead(path);
  if (!file) return "<missing>";
  std::string out;
  std::uint8_t buf[64];
  for (;;) {
    auto n = (*file)->Read(buf);
    REQUIRE(n);
    if (*n == 0) return out;
    out.append(reinterpret_cast<char*>(buf), *n);
  }
}

ErrorCode CodeOf(const Result<void>& result) {
  REQUIRE_FALSE(result);
  return result.error().code;
}

std::vector<std::string> Names(FileSystem& fs, const std::string& dir) {
  auto entries = fs.ListDir(dir);  // named: value() of a temporary would dangle in the loop
  REQUIRE(entries);
  std::vector<std::string> names;
  for (const DirEntry& entry : *entries) names.push_back(entry.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEMPLATE_TEST_CASE(
    "a written file reads back with holes as zeros, survives reopening and truncates", "[fs]",
    MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  {
    auto file = fs.OpenWrite("t.tmp");
    REQUIRE(file);
    REQUIRE((*file)->WriteAt(4, Span("tail")));
    CHECK(ReadAt(**file, 0, 16) == std::string("\0\0\0\0tail", 8));
    REQUIRE((*file)->WriteAt(0, Span("head")));
    auto stat = (*file)->Stat();
    REQUIRE(stat);
    CHECK(stat->kind == EntryKind::kFile);
    CHECK(stat->size == 8);
    CHECK(stat->permissions == 0600);
    CHECK((*file)->Sync());
  }
  // Reopening a temp file resumes it: the content stays.
  auto file = fs.OpenWrite("t.tmp");
  REQUIRE(file);
  CHECK(ReadAt(**file, 0, 16) == "headtail");
  CHECK(ReadAt(**file, 3, 2) == "dt");
  CHECK(ReadAt(**file, 20, 4).empty());
  REQUIRE((*file)->Truncate(2));
  CHECK(fs.Lstat("t.tmp")->size == 2);
  CHECK(Get(fs, "t.tmp") == "he");

  auto reader = fs.OpenRead("t.tmp");
  REQUIRE(reader);
  std::uint8_t buf[8];
  CHECK((*reader)->ReadAt(1, buf).value() == 1);
  CHECK(buf[0] == 'e');
  CHECK((*reader)->Read(buf).value() == 2);  // ReadAt did not move the read position
}

TEMPLATE_TEST_CASE("metadata is set on files through the writer or by path, and on directories",
                   "[fs]", MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  constexpr std::int64_t kMtime = 1'500'000'000'123'456'789;
  auto file = fs.OpenWrite("f");
  REQUIRE(file);
  REQUIRE((*file)->WriteAt(0, Span("x")));
  REQUIRE((*file)->SetMetadata(kMtime, 0640));
  CHECK((*file)->Stat()->mtime_ns == kMtime);
  CHECK(fs.Lstat("f")->permissions == 0640);

  REQUIRE(fs.SetMetadata("f", kMtime + 1, 0604));
  CHECK(fs.Lstat("f")->mtime_ns == kMtime + 1);
  CHECK(fs.Lstat("f")->permissions == 0604);

  REQUIRE(fs.MakeDir("d", 0755));
  REQUIRE(fs.SetMetadata("d", kMtime + 2, 0750));
  CHECK(fs.Lstat("d")->mtime_ns == kMtime + 2);
  CHECK(fs.Lstat("d")->permissions == 0750);

  REQUIRE(fs.MakeSymlink("l", "f"));
  CHECK(CodeOf(fs.SetMetadata("l", kMtime, 0600)) == ErrorCode::kInvalidArgument);
  CHECK(fs.Lstat("f")->permissions == 0604);  // not followed
  CHECK(CodeOf(fs.SetMetadata("missing", kMtime, 0600)) == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("rename replaces a file or symlink but never a directory", "[fs]", MemorySubject,
                   PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  Put(fs, "a", "new");
  Put(fs, "b", "old");
  auto inode = fs.Lstat("a")->inode;
  REQUIRE(fs.Rename("a", "b"));
  CHECK(fs.Lstat("a").error().code == ErrorCode::kNotFound);
  CHECK(Get(fs, "b") == "new");
  CHECK(fs.Lstat("b")->inode == inode);

  REQUIRE(fs.MakeSymlink("l", "elsewhere"));
  REQUIRE(fs.Rename("b", "l"));
  CHECK(fs.Lstat("l")->kind == EntryKind::kFile);

  REQUIRE(fs.MakeDir("d", 0755));
  REQUIRE(fs.MakeDir("e", 0755));
  CHECK(CodeOf(fs.Rename("l", "d")) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.Rename("e", "d")) == ErrorCode::kConflict);  // even an empty one
  CHECK(CodeOf(fs.Rename("e", "l")) == ErrorCode::kConflict);  // nor a file by a directory
  CHECK(Get(fs, "l") == "new");
  CHECK(fs.Lstat("e")->kind == EntryKind::kDirectory);
  CHECK(CodeOf(fs.Rename("missing", "x")) == ErrorCode::kNotFound);
  CHECK(CodeOf(fs.Rename("l", "missing/x")) == ErrorCode::kNotFound);
  CHECK(CodeOf(fs.Rename("d", "d/inside")) == ErrorCode::kInvalidArgument);
}

TEMPLATE_TEST_CASE("rename without replacing fails with a conflict when the name is taken", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  Put(fs, "a", "1");
  Put(fs, "b", "2");
  CHECK(CodeOf(fs.RenameNoReplace("a", "b")) == ErrorCode::kConflict);
  CHECK(Get(fs, "a") == "1");
  CHECK(Get(fs, "b") == "2");
  REQUIRE(fs.RenameNoReplace("a", "c"));
  CHECK(Get(fs, "c") == "1");
  CHECK(fs.Lstat("a").error().code == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("renaming a directory moves its children, and open writers follow", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeDir("d", 0755));
  REQUIRE(fs.MakeDir("d/sub", 0755));
  REQUIRE(fs.MakeDir("d-sibling", 0755));  // sorts between "d" and "d/..."
  Put(fs, "d/sub/f", "x");
  auto inode = fs.Lstat("d/sub/f")->inode;
  auto writer = fs.OpenWrite("d/sub/f");
  REQUIRE(writer);

  REQUIRE(fs.Rename("d", "e"));
  CHECK(fs.Lstat("d").error().code == ErrorCode::kNotFound);
  CHECK(fs.Lstat("d/sub/f").error().code == ErrorCode::kNotFound);
  CHECK(Names(fs, "") == std::vector<std::string>{"d-sibling", "e"});
  CHECK(Names(fs, "e") == std::vector<std::string>{"sub"});
  CHECK(fs.Lstat("e/sub/f")->inode == inode);

  REQUIRE((*writer)->WriteAt(1, Span("y")));
  CHECK(Get(fs, "e/sub/f") == "xy");
}

TEMPLATE_TEST_CASE("directories are made once and only inside an existing directory", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeDir("d", 0755));
  CHECK(fs.Lstat("d")->kind == EntryKind::kDirectory);
  CHECK(CodeOf(fs.MakeDir("d", 0755)) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.MakeDir("missing/d", 0755)) == ErrorCode::kNotFound);
  Put(fs, "f", "");
  CHECK(CodeOf(fs.MakeDir("f", 0755)) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.MakeDir("f/d", 0755)) == ErrorCode::kNotFound);
  REQUIRE(fs.MakeDir("d/e", 0700));
  CHECK(Names(fs, "d") == std::vector<std::string>{"e"});
}

TEMPLATE_TEST_CASE("symlinks keep their target as given and are never opened for writing", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeSymlink("l", "../outside/target"));
  CHECK(fs.Lstat("l")->kind == EntryKind::kSymlink);
  CHECK(fs.ReadLink("l").value() == "../outside/target");
  CHECK(CodeOf(fs.MakeSymlink("l", "other")) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.MakeSymlink("m", "")) == ErrorCode::kInvalidArgument);

  auto opened = fs.OpenWrite("l");
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::kConflict);
  REQUIRE(fs.MakeDir("d", 0755));
  auto dir = fs.OpenWrite("d");
  REQUIRE_FALSE(dir);
  CHECK(dir.error().code == ErrorCode::kConflict);
  CHECK(Names(fs, "") == std::vector<std::string>{"d", "l"});
}

TEMPLATE_TEST_CASE("files are removed, directories only when empty", "[fs]", MemorySubject,
                   PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  Put(fs, "f", "1");
  REQUIRE(fs.MakeDir("d", 0755));
  Put(fs, "d/x", "2");
  CHECK(CodeOf(fs.RemoveFile("d")) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.RemoveDir("d")) == ErrorCode::kConflict);
  CHECK(CodeOf(fs.RemoveDir("f")) == ErrorCode::kNotFound);
  CHECK(Get(fs, "d/x") == "2");
  REQUIRE(fs.RemoveFile("d/x"));
  REQUIRE(fs.RemoveDir("d"));
  CHECK(fs.Lstat("d").error().code == ErrorCode::kNotFound);

  REQUIRE(fs.MakeSymlink("l", "f"));
  REQUIRE(fs.RemoveFile("l"));  // the link, not what it points at
  CHECK(Get(fs, "f") == "1");
  REQUIRE(fs.RemoveFile("f"));
  CHECK(CodeOf(fs.RemoveFile("f")) == ErrorCode::kNotFound);
  CHECK(CodeOf(fs.RemoveDir("missing")) == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("directories are synced only when they exist", "[fs]", MemorySubject,
                   PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeDir("d", 0755));
  CHECK(fs.SyncDir(""));
  CHECK(fs.SyncDir("d"));
  CHECK(CodeOf(fs.SyncDir("missing")) == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("write-side paths with empty, dot or dot-dot components are refused", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeDir("a", 0755));
  for (std::string path : {"", "../x", "a/../x", "a/../../x", "./x", "a//x", "a/", "/x"}) {
    INFO("path: '" << path << "'");
    auto file = fs.OpenWrite(path);
    REQUIRE_FALSE(file);
    CHECK(file.error().code == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs.MakeDir(path, 0755)) == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs.MakeSymlink(path, "t")) == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs.Rename("a", path)) == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs.RemoveFile(path)) == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs.RemoveDir(path)) == ErrorCode::kInvalidArgument);
    if (!path.empty()) {  // "" is the root: its metadata and sync are allowed
      CHECK(CodeOf(fs.SetMetadata(path, 0, 0755)) == ErrorCode::kInvalidArgument);
      CHECK(CodeOf(fs.SyncDir(path)) == ErrorCode::kInvalidArgument);
    }
  }
  CHECK(Names(fs, "") == std::vector<std::string>{"a"});
}

TEMPLATE_TEST_CASE("a path through a symlinked directory is refused as unauthorized", "[fs]",
                   MemorySubject, PosixSubject, PosixCachedSubject) {
  TestType subject;
  FileSystem& fs = subject.fs();
  REQUIRE(fs.MakeDir("real", 0755));
  Put(fs, "real/f", "keep");
  Put(fs, "g", "g");
  REQUIRE(fs.MakeSymlink("link", "real"));
  auto file = fs.OpenWrite("link/new");
  REQUIRE_FALSE(file);
  CHECK(file.error().code == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.MakeDir("link/d", 0755)) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.Rename("g", "link/g")) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.Rename("link/f", "g")) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.RemoveFile("link/f")) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.SetMetadata("link/f", 0, 0777)) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.SyncDir("link")) == ErrorCode::kUnauthorized);
  CHECK(Names(fs, "real") == std::vector<std::string>{"f"});
  CHECK(Get(fs, "real/f") == "keep");
  CHECK(fs.Lstat("real/f")->permissions == 0600);
}

// --- MemoryFileSystem only ----------------------------------------------

TEST_CASE("memory file system refuses writes beyond its free space and writes nothing", "[fs]") {
  MemoryFileSystem fs;
  fs.WriteFile("other", std::string(10, 'o'), 1);
  fs.SetFreeSpace(20);
  auto file = fs.OpenWrite("t");
  REQUIRE(file);
  REQUIRE((*file)->WriteAt(0, Span("12345678")));  // 18 bytes in all
  auto full = (*file)->WriteAt(8, Span("9abc"));   // would be 22
  REQUIRE_FALSE(full);
  CHECK(full.error().code == ErrorCode::kNoSpace);
  CHECK(fs.Content("t") == "12345678");
  CHECK(fs.Lstat("t")->size == 8);
  REQUIRE((*file)->WriteAt(0, Span("abcdefgh")));  // rewriting in place needs no space
  REQUIRE((*file)->WriteAt(8, Span("ij")));        // exactly the limit
  CHECK(CodeOf((*file)->WriteAt(10, Span("k"))) == ErrorCode::kNoSpace);
  fs.SetFreeSpace(std::nullopt);
  REQUIRE((*file)->WriteAt(10, Span("k")));
  CHECK(fs.Content("t") == "abcdefghijk");
}

TEST_CASE("memory file system counts file and directory syncs", "[fs]") {
  MemoryFileSystem fs;
  auto file = fs.OpenWrite("t");
  REQUIRE(file);
  CHECK(fs.sync_count() == 0);
  REQUIRE((*file)->Sync());
  REQUIRE(fs.SyncDir(""));
  CHECK_FALSE(fs.SyncDir("missing"));
  CHECK(fs.sync_count() == 2);
}

TEST_CASE("memory file system fails a writer whose file was removed or replaced", "[fs]") {
  MemoryFileSystem fs;
  auto removed = fs.OpenWrite("removed");
  REQUIRE(removed);
  REQUIRE(fs.RemoveFile("removed"));
  CHECK(CodeOf((*removed)->WriteAt(0, Span("x"))) == ErrorCode::kNotFound);
  CHECK(CodeOf((*removed)->Sync()) == ErrorCode::kNotFound);

  auto replaced = fs.OpenWrite("replaced");
  REQUIRE(replaced);
  fs.WriteFile("other", "o", 1);
  REQUIRE(fs.Rename("other", "replaced"));
  CHECK(CodeOf((*replaced)->WriteAt(0, Span("x"))) == ErrorCode::kNotFound);
  CHECK(fs.Content("replaced") == "o");
}

// --- PosixFileSystem only -----------------------------------------------

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("posix writes never reach outside the root through a symlinked parent", "[fs]") {
  testing::TempDir dir;
  std::string root = dir.File("root");
  std::string outside = dir.File("outside");
  REQUIRE(::mkdir(root.c_str(), 0755) == 0);
  REQUIRE(::mkdir(outside.c_str(), 0755) == 0);
  REQUIRE(::mkdir((outside + "/sub").c_str(), 0755) == 0);
  std::ofstream(outside + "/victim", std::ios::binary) << "keep";
  REQUIRE(::chmod((outside + "/victim").c_str(), 0644) == 0);
  REQUIRE(::symlink("../outside", (root + "/rel").c_str()) == 0);
  REQUIRE(::symlink(outside.c_str(), (root + "/abs").c_str()) == 0);
  std::ofstream(root + "/mine", std::ios::binary) << "mine";
  auto fs = PosixFileSystem::Open(root).value();
  struct stat before {};
  REQUIRE(::stat(outside.c_str(), &before) == 0);

  for (std::string link : {"rel", "abs"}) {
    INFO("link: " << link);
    auto file = fs->OpenWrite(link + "/victim");
    REQUIRE_FALSE(file);
    CHECK(file.error().code == ErrorCode::kUnauthorized);
    file = fs->OpenWrite(link + "/new");
    REQUIRE_FALSE(file);
    CHECK(file.error().code == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->MakeDir(link + "/d", 0755)) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->MakeSymlink(link + "/s", "x")) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->Rename("mine", link + "/victim")) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->Rename(link + "/victim", "stolen")) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->RemoveFile(link + "/victim")) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->RemoveDir(link + "/sub")) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->SetMetadata(link + "/victim", 0, 0777)) == ErrorCode::kUnauthorized);
    CHECK(CodeOf(fs->SetMetadata(link, 0, 0777)) == ErrorCode::kInvalidArgument);
    CHECK(CodeOf(fs->SyncDir(link)) == ErrorCode::kUnauthorized);
  }
  for (std::string path : {"../outside/victim", "rel/../../outside/victim"}) {
    INFO("path: " << path);
    CHECK_FALSE(fs->OpenWrite(path));
    CHECK_FALSE(fs->RemoveFile(path));
    CHECK_FALSE(fs->SetMetadata(path, 0, 0777));
  }

  // Nothing outside the root changed.
  CHECK(ReadFile(outside + "/victim") == "keep");
  CHECK(ReadFile(root + "/mine") == "mine");
  struct stat st {};
  REQUIRE(::stat((outside + "/victim").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(::stat(outside.c_str(), &st) == 0);
  CHECK(st.st_mode == before.st_mode);
  CHECK(st.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(st.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(outside)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"sub", "victim"});
}

TEST_CASE("posix set metadata works on entries their owner cannot read", "[fs]") {
  testing::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);  // so an unprivileged child can reach it
  std::ofstream(dir.File("write-only"), std::ios::binary) << "x";
  REQUIRE(::chmod(dir.File("write-only").c_str(), 0200) == 0);
  REQUIRE(::mkdir(dir.File("no-read").c_str(), 0300) == 0);
  bool as_root = ::geteuid() == 0;
  if (as_root) {  // root bypasses permission bits: hand the entries to "nobody"
    REQUIRE(::chown(dir.File("write-only").c_str(), 65534, 65534) == 0);
    REQUIRE(::chown(dir.File("no-read").c_str(), 65534, 65534) == 0);
  }
  constexpr std::int64_t kMtime = 1'400'000'000'000'000'000;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (as_root && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    auto opened = PosixFileSystem::Open(dir.path().string());
    if (!opened) ::_exit(11);
    if (!(*opened)->SetMetadata("write-only", kMtime, 0400)) ::_exit(12);
    if (!(*opened)->SetMetadata("no-read", kMtime, 0500)) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  struct stat st {};
  REQUIRE(::stat(dir.File("write-only").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0400);
  CHECK(st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec == kMtime);
  REQUIRE(::stat(dir.File("no-read").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0500);
  CHECK(st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec == kMtime);
  ::chmod(dir.File("no-read").c_str(), 0700);  // so TempDir can remove it
}

}  // namespace shoal

namespace shoal {

TEST_CASE("memory file system reports its free-space limit as capacity", "[fs]") {
  MemoryFileSystem fs;
  CHECK(fs.FreeSpace()->free_bytes > (std::int64_t{1} << 40));
  fs.WriteFile("a", std::string(300, 'a'), 1);
  fs.SetFreeSpace(1000);
  CHECK(fs.FreeSpace()->total_bytes == 1000);
  CHECK(fs.FreeSpace()->free_bytes == 700);
}

TEST_CASE("memory file system can refuse changes in a directory without owner write access",
          "[fs]") {
  MemoryFileSystem fs;
  fs.MakeDirectory("ro", 0555);
  fs.WriteFile("ro/f", "x", 1);
  REQUIRE(fs.OpenWrite("ro/new"));  // off by default
  REQUIRE(fs.RemoveFile("ro/new"));
  fs.SetEnforceDirectoryPermissions(true);
  CHECK(fs.OpenWrite("ro/new").error().code == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.MakeDir("ro/d", 0755)) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.RemoveFile("ro/f")) == ErrorCode::kUnauthorized);
  CHECK(CodeOf(fs.Rename("ro/f", "f")) == ErrorCode::kUnauthorized);
  REQUIRE(fs.OpenWrite("ro/f"));  // an existing file stays writable
  fs.SetPermissions("ro", 0755);
  CHECK(fs.OpenWrite("ro/new"));
}

TEST_CASE("posix file system reports the free space of the folder's filesystem", "[fs]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem::Open(dir.path().string()).value();
  auto space = fs->FreeSpace();
  REQUIRE(space);
  CHECK(space->total_bytes > 0);
  CHECK(space->free_bytes >= 0);
  CHECK(space->free_bytes <= space->total_bytes);
}

}  // namespace shoal
