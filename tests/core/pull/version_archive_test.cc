#include "core/pull/version_archive.h"

#include <catch2/catch.hpp>

#include "core/pull/version_name.h"
#include "tests/support/fake_clock.h"
#include "tests/support/memory_file_system.h"

namespace shoal {
namespace {

using testing::FakeClock;

constexpr std::int64_t kDay = 24 * 3600;
// 2026-12-02T10:15:00Z
constexpr std::int64_t kTime = 1796206500;

}  // namespace

TEST_CASE("version names carry the UTC time after the whole name", "[pull][versions]") {
  CHECK(FormatUtcTime(kTime) == "2026-12-02T10:15:00Z");
  CHECK(VersionNameFor("dir/report.txt", kTime) == "dir/report.txt~20261202-101500");
  CHECK(VersionNameFor("a", kTime, 2) == "a~20261202-101500-2");
  auto parsed = ParseVersionName("dir/report.txt~20261202-101500-2");
  REQUIRE(parsed);
  CHECK(parsed->path == "dir/report.txt");
  CHECK(parsed->unix_seconds == kTime);
  CHECK(ParseVersionName("x~y~20261202-101500")->path == "x~y");
  CHECK_FALSE(ParseVersionName("report.txt"));
  CHECK_FALSE(ParseVersionName("a~20261302-101500"));  // month 13
  CHECK_FALSE(ParseVersionName("a~20261202-101500-"));
  CHECK_FALSE(ParseVersionName("dir/~20261202-101500"));
}

TEST_CASE("a name too long for the suffix is cut at a character boundary", "[pull][versions]") {
  std::string base(240, 'a');
  base += "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // 14 bytes of é
  std::string name = VersionNameFor("d/" + base, kTime);
  std::string last = name.substr(2);
  CHECK(last.size() <= 255);
  CHECK(last.ends_with("~20261202-101500"));
  auto parsed = ParseVersionName(name);
  REQUIRE(parsed);
  CHECK(base.starts_with(parsed->path.substr(2)));
  CHECK((static_cast<unsigned char>(parsed->path.back()) & 0xC0) != 0xC0);  // no half é
}

TEST_CASE("times are read as people type them, in UTC", "[pull][versions]") {
  CHECK(ParseUtcTime("2026-12-02T10:15:00Z") == kTime);
  CHECK(ParseUtcTime("2026-12-02 10:15:00") == kTime);
  CHECK(ParseUtcTime("2026-12-02T10:15") == kTime);
  CHECK(ParseUtcTime("20261202-101500") == kTime);
  CHECK(ParseUtcTime("2026-12-02") == kTime - (10 * 3600 + 15 * 60));
  CHECK_FALSE(ParseUtcTime("yesterday"));
  CHECK_FALSE(ParseUtcTime("2026-02-30"));
  CHECK_FALSE(ParseUtcTime("2026-12-02T25:00"));
}

TEST_CASE("keeping moves a file into the archive, a clash in one second gets a number",
          "[pull][versions]") {
  MemoryFileSystem fs;
  FakeClock clock(kTime);
  VersionArchive archive(fs, clock);
  fs.WriteFile("docs/report.txt", "first", 1);
  auto kept = archive.Keep("docs/report.txt");
  REQUIRE(kept);
  CHECK(*kept == ".shoal/versions/docs/report.txt~20261202-101500");
  CHECK(fs.Content(*kept) == "first");
  CHECK_FALSE(fs.Lstat("docs/report.txt"));
  CHECK(fs.Lstat(".shoal/versions/docs").value().permissions == 0700);
  fs.WriteFile("docs/report.txt", "second", 2);
  CHECK(archive.Keep("docs/report.txt").value() ==
        ".shoal/versions/docs/report.txt~20261202-101500-1");
  fs.AddSymlink("link", "docs");
  CHECK(archive.Keep("link").value() == ".shoal/versions/link~20261202-101500");
  CHECK(archive.Keep("docs").error().code == ErrorCode::kInvalidArgument);
  CHECK(archive.Keep("missing").error().code == ErrorCode::kNotFound);

  auto all = archive.List();
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].path == "docs/report.txt");
  CHECK((*all)[0].size == 5);
  CHECK((*all)[1].size == 6);
  CHECK((*all)[2].kind == EntryKind::kSymlink);
  CHECK(archive.List("docs").value().size() == 2);
  CHECK(archive.List("docs/report.txt").value().size() == 2);
  CHECK(archive.List("doc").value().empty());
}

TEST_CASE("keeping a batch defers the directory fsync to the caller", "[pull][versions]") {
  MemoryFileSystem fs;
  FakeClock clock(kTime);
  VersionArchive archive(fs, clock);
  fs.WriteFile("d/a", "a", 1);
  fs.WriteFile("d/b", "b", 1);
  REQUIRE(archive.Keep("d/a"));  // makes the archive directories
  fs.WriteFile("d/a", "a2", 1);
  const std::int64_t syncs = fs.sync_count();
  std::set<std::string> unsynced;
  REQUIRE(archive.Keep("d/a", &unsynced));
  REQUIRE(archive.Keep("d/b", &unsynced));
  CHECK(fs.sync_count() == syncs);
  CHECK(unsynced == std::set<std::string>{".shoal/versions/d"});
  REQUIRE(archive.Keep("d/a2-missing", &unsynced).error().code == ErrorCode::kNotFound);
}

TEST_CASE("restore brings back the newest version, or the one at a time, keeping the current",
          "[pull][versions]") {
  MemoryFileSystem fs;
  FakeClock clock(kTime);
  VersionArchive archive(fs, clock);
  fs.WriteFile("a/b/notes.txt", "v1", 1);
  REQUIRE(archive.Keep("a/b/notes.txt"));
  clock.AdvanceSeconds(60);
  fs.WriteFile("a/b/notes.txt", "v2", 2);
  REQUIRE(archive.Keep("a/b/notes.txt"));
  fs.Remove("a");
  clock.AdvanceSeconds(60);

  auto restored = archive.Restore("a/b/notes.txt", std::nullopt);
  REQUIRE(restored);
  CHECK(fs.Content("a/b/notes.txt") == "v2");  // parents made again
  CHECK(restored->version.unix_seconds == kTime + 60);
  CHECK(restored->kept_current.empty());
  CHECK(restored->scan_root == "a");

  restored = archive.Restore("a/b/notes.txt", kTime + 30);
  REQUIRE(restored);
  CHECK(fs.Content("a/b/notes.txt") == "v1");
  CHECK(restored->scan_root == "a/b/notes.txt");
  auto left = archive.List("a/b/notes.txt").value();
  REQUIRE(left.size() == 1);  // v2 was restored, then kept again when v1 replaced it
  CHECK(fs.Content(left[0].stored) == "v2");
  CHECK(left[0].unix_seconds == kTime + 120);
  CHECK(left[0].stored == restored->kept_current);

  CHECK(archive.Restore("a/b/notes.txt", kTime - 1).error().code == ErrorCode::kNotFound);
  CHECK(archive.Restore("other", std::nullopt).error().code == ErrorCode::kNotFound);
  fs.Remove("a/b/notes.txt");
  fs.MakeDirectory("a/b/notes.txt");
  CHECK(archive.Restore("a/b/notes.txt", std::nullopt).error().code == ErrorCode::kConflict);
}

TEST_CASE("prune removes versions older than the keep time and keeps recent ones",
          "[pull][versions]") {
  MemoryFileSystem fs;
  FakeClock clock(kTime);
  VersionArchive archive(fs, clock);
  fs.WriteFile("old/x.txt", "old", 1);
  REQUIRE(archive.Keep("old/x.txt"));
  clock.AdvanceSeconds(20 * kDay);
  fs.WriteFile("new/y.txt", "new", 1);
  REQUIRE(archive.Keep("new/y.txt"));
  fs.WriteFile(".shoal/versions/readme", "not a version", 1);
  clock.AdvanceSeconds(11 * kDay);  // x is 31 days old, y 11

  auto removed = archive.Prune(30 * kDay);
  REQUIRE(removed);
  CHECK(*removed == 1);
  auto left = archive.List().value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].path == "new/y.txt");
  CHECK_FALSE(fs.Lstat(".shoal/versions/old"));  // emptied directories go too
  CHECK(fs.Content(".shoal/versions/readme") == "not a version");
  CHECK(archive.Prune(30 * kDay).value() == 0);
  clock.AdvanceSeconds(20 * kDay);
  CHECK(archive.Prune(30 * kDay).value() == 1);
  CHECK(fs.Lstat(".shoal/versions"));  // the archive itself stays
}

}  // namespace shoal
