// FoldCase and the probe that tells whether a folder's file system folds
// case: false on the test's own (case-sensitive) disks, true on a vfat or
// exFAT mount when the test can make one.
#include "core/fs/case_folding.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/fs/posix_file_system.h"
#include "tests/support/case_folding_mount.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

TEST_CASE("FoldCase lowers ASCII and other scripts and leaves the rest", "[fs][case]") {
  CHECK(FoldCase("Report.TXT") == "report.txt");
  CHECK(FoldCase("docs/A-1_b.md") == "docs/a-1_b.md");
  CHECK(FoldCase("") == "");
  CHECK(FoldCase("ÄRGER") == "ärger");
  CHECK(FoldCase("ΣΟΦΙΑ") == "σοφια");
  CHECK(FoldCase("ПРИВЕТ") == "привет");
  CHECK(FoldCase("日本語 😀") == "日本語 😀");
  CHECK(FoldCase("Report.txt") == FoldCase("rEPORT.TXT"));
  CHECK(FoldCase("a.txt") != FoldCase("b.txt"));
}

TEST_CASE("the probe finds a case-sensitive file system case-sensitive", "[fs][case]") {
  MemoryFileSystem memory;
  memory.MakeDirectory(".shoal");
  CHECK(ProbeFoldsCase(memory, ".shoal").value() == false);
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File(".shoal"));
  auto posix = PosixFileSystem::Open(dir.path().string());
  REQUIRE(posix);
  CHECK(ProbeFoldsCase(**posix, ".shoal").value() == false);
  // It leaves nothing behind.
  CHECK(std::filesystem::is_empty(dir.File(".shoal")));
  // Without the directory it says why instead of guessing.
  CHECK_FALSE(ProbeFoldsCase(memory, "missing"));
}

TEST_CASE("the probe finds a vfat or exFAT file system folds case", "[fs][case]") {
  std::string why_not;
  auto mount = testing::CaseFoldingMount::Make(why_not);
  if (!mount) {
    WARN("skipped: " << why_not);
    return;
  }
  std::filesystem::create_directory(mount->path() + "/.shoal");
  auto posix = PosixFileSystem::Open(mount->path());
  REQUIRE(posix);
  INFO(mount->kind());
  CHECK(ProbeFoldsCase(**posix, ".shoal").value() == true);
  CHECK(std::filesystem::is_empty(mount->path() + "/.shoal"));
}

}  // namespace
}  // namespace shoal
