// Versioning in the engine (docs/user-guide.md "Versions"): what a peer's
// change replaces or deletes ends up in .shoal/versions with its old
// content, and versions themselves are never scanned or synced.
#include <catch2/catch.hpp>

#include "core/pull/version_archive.h"
#include "core/sync/folder_engine.h"
#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

// The kept versions of `path` on `device`: their contents, oldest first.
std::vector<std::string> KeptContents(EngineCluster& c, int device, const std::string& path) {
  auto listed = VersionArchive(c[device].fs, c.clock).List(path);
  REQUIRE(listed);
  std::vector<std::string> out;
  for (const KeptVersion& v : *listed) {
    if (v.path != path) continue;
    out.push_back(v.kind == EntryKind::kSymlink ? "link:" + c[device].fs.ReadLink(v.stored).value()
                                                : c[device].fs.Content(v.stored));
  }
  return out;
}

}  // namespace

TEST_CASE("a file a peer's edit overwrites is kept in .shoal/versions with its old content",
          "[sync][engine][versions]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("docs/report.txt", "the old report", c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content("docs/report.txt") == "the old report");
  c[0].fs.WriteFile("docs/report.txt", "the new report", c.clock.now + 1'000'000'000);
  c.Settle();
  CHECK(c[1].fs.Content("docs/report.txt") == "the new report");
  CHECK(KeptContents(c, 1, "docs/report.txt") == std::vector<std::string>{"the old report"});
  auto kept = VersionArchive(c[1].fs, c.clock).List().value();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].stored.starts_with(".shoal/versions/docs/report.txt~2027"));
  // The device that made the edit keeps nothing: only a peer's change is.
  CHECK(KeptContents(c, 0, "docs/report.txt").empty());
}

TEST_CASE("a file a peer deletes is kept in .shoal/versions with its content",
          "[sync][engine][versions]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("a/b/gone.txt", "keep me", c.clock.now);
  c[0].fs.WriteFile("top.txt", "me too", c.clock.now);
  c.Settle();
  c[0].fs.Remove("a");
  c[0].fs.Remove("top.txt");
  c.Settle();
  CHECK_FALSE(c[1].fs.Lstat("a"));
  CHECK_FALSE(c[1].fs.Lstat("top.txt"));
  CHECK(KeptContents(c, 1, "a/b/gone.txt") == std::vector<std::string>{"keep me"});
  CHECK(KeptContents(c, 1, "top.txt") == std::vector<std::string>{"me too"});
}

TEST_CASE("a symlink a peer replaces and a file a peer's directory replaces are kept",
          "[sync][engine][versions]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.AddSymlink("link", "somewhere");
  c[0].fs.WriteFile("thing", "a file first", c.clock.now);
  c.Settle();
  c[0].fs.Remove("link");
  c[0].fs.WriteFile("link", "a file now", c.clock.now);
  c[0].fs.Remove("thing");
  c[0].fs.WriteFile("thing/inside.txt", "a directory now", c.clock.now);
  c.Settle();
  CHECK(c[1].fs.Content("link") == "a file now");
  CHECK(c[1].fs.Content("thing/inside.txt") == "a directory now");
  CHECK(KeptContents(c, 1, "link") == std::vector<std::string>{"link:somewhere"});
  CHECK(KeptContents(c, 1, "thing") == std::vector<std::string>{"a file first"});
}

TEST_CASE("every edit a peer makes keeps one more version, a mode change keeps none",
          "[sync][engine][versions]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("f", "v1", c.clock.now);
  c.Settle();
  c[0].fs.WriteFile("f", "v2", c.clock.now);
  c.Settle();
  c[0].fs.WriteFile("f", "v3", c.clock.now);
  c.Settle();
  c[0].fs.SetPermissions("f", 0600);
  c.Settle();
  CHECK(c[1].fs.Lstat("f").value().permissions == 0600);
  CHECK(KeptContents(c, 1, "f") == std::vector<std::string>{"v1", "v2"});
}

TEST_CASE("versions are never scanned, announced or pulled", "[sync][engine][versions]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("f", "old", c.clock.now);
  c.Settle();
  c[0].fs.Remove("f");
  c.Settle();
  REQUIRE(KeptContents(c, 1, "f").size() == 1);
  c.Settle();  // scans both again
  for (int device : {0, 1}) {
    std::size_t names = 0;
    auto visited = c[device].index->ForEachGlobal(c[device].folder_key, [&](GlobalFile&& g) {
      CHECK_FALSE(g.file.name.starts_with(".shoal"));
      names++;
      return true;
    });
    REQUIRE(visited);
    CHECK(names == 1);  // "f", deleted
  }
  CHECK_FALSE(c[0].fs.Lstat(".shoal/versions"));
}

}  // namespace shoal
