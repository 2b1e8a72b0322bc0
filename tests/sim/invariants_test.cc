#include "tests/sim/invariants.h"

#include <catch2/catch.hpp>

namespace shoal::sim {
namespace {

// Short IDs as SimCluster makes them: device d's first key byte is d + 1.
std::uint64_t ShortOf(int d) { return static_cast<std::uint64_t>(d + 1) << 56; }

VersionVector V(std::initializer_list<std::pair<int, std::uint64_t>> counters) {
  VersionVector v;
  for (auto [d, c] : counters) v.Set(ShortOf(d), c);
  return v;
}

TreeEntry File(std::string content, std::uint32_t permissions = 0644) {
  return TreeEntry{EntryKind::kFile, permissions, 1, std::move(content)};
}

TEST_CASE("convergence holds for equal trees whatever their mtimes", "[sim]") {
  Tree a{{"d", TreeEntry{EntryKind::kDirectory, 0755, 0, ""}}, {"d/x", File("hello")}};
  Tree b = a;
  b["d/x"].mtime_ns = 99;
  CHECK(CheckConvergence({a, b}, {}).empty());
  CHECK(StateHash({a}, {}) != StateHash({b}, {}));  // the hash does see mtimes
}

TEST_CASE("convergence reports content, permission, kind and presence differences", "[sim]") {
  Tree a{{"x", File("one")}, {"y", File("same", 0644)}, {"z", File("")}};
  Tree b{{"x", File("two")}, {"y", File("same", 0600)}, {"w", File("")}};
  auto failures = CheckConvergence({a, b}, {});
  REQUIRE(failures.size() == 4);
  CHECK(failures[0].rfind("w: dev0 has nothing, dev1 has file", 0) == 0);
  CHECK(failures[1].rfind("x: dev0 has file 0644 3B", 0) == 0);
  CHECK(failures[2].find("0600") != std::string::npos);
  CHECK(failures[3].rfind("z: dev0 has file", 0) == 0);
}

TEST_CASE("convergence compares global versions and each local entry with its global", "[sim]") {
  IndexState s0;
  s0.global["x"] = {V({{0, 5}}), false, FileType::kFile};
  s0.local["x"] = {V({{0, 5}}), false, FileType::kFile};
  s0.global["gone"] = {V({{1, 3}}), true, FileType::kFile};  // never held locally: fine
  IndexState s1 = s0;
  CHECK(CheckConvergence({}, {s0, s1}).empty());

  s1.local["x"] = {V({{0, 4}}), false, FileType::kFile};
  auto stale = CheckConvergence({}, {s0, s1});
  REQUIRE(stale.size() == 1);
  CHECK(stale[0] == "index x: dev1 local {dev0:4} but global {dev0:5}");

  s1 = s0;
  s1.global["x"] = {V({{0, 5}, {1, 6}}), false, FileType::kFile};
  auto differ = CheckConvergence({}, {s0, s1});
  REQUIRE_FALSE(differ.empty());
  CHECK(differ[0] == "index x: global on dev0 {dev0:5}, on dev1 {dev0:5,dev1:6}");
}

TEST_CASE("contents to keep leave out versions another device knowingly replaced", "[sim]") {
  std::vector<Tree> trees(3);
  std::vector<IndexState> indexes(3);
  trees[0]["x"] = File("old");
  indexes[0].local["x"] = {V({{0, 1}}), false, FileType::kFile};
  trees[1]["x"] = File("newer");  // edited after seeing dev0's version
  indexes[1].local["x"] = {V({{0, 1}, {1, 2}}), false, FileType::kFile};
  trees[2]["x"] = File("concurrent");
  indexes[2].local["x"] = {V({{2, 1}}), false, FileType::kFile};
  trees[2]["unscanned"] = File("kept anyway");
  auto kept = ContentsToKeep(trees, indexes);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].content == "newer");
  CHECK(kept[1].name == "unscanned");  // dev2's files in name order
  CHECK(kept[2].content == "concurrent");

  SECTION("a tombstone that saw the version replaces it too") {
    indexes[2].local["x"] = {V({{0, 1}, {2, 3}}), true, FileType::kFile};
    indexes[1].local["x"] = {V({{0, 1}, {1, 2}, {2, 3}}), false, FileType::kFile};
    trees[2].erase("x");
    auto k = ContentsToKeep(trees, indexes);
    REQUIRE(k.size() == 2);
    CHECK(k[0].content == "newer");
  }
}

TEST_CASE("no data loss accepts conflict copies and reports what is missing", "[sim]") {
  std::vector<KeptContent> kept{{"d/report.txt", "mine", 0}, {"d/report.txt", "theirs", 1}};
  Tree both{{"d/report.txt", File("theirs")},
            {"d/report.sync-conflict-20270115-080000-AEAQCAI.txt", File("mine")}};
  CHECK(CheckNoDataLoss(kept, {both, both}).empty());
  // A copy of a copy: the new marker lands before the old one.
  std::vector<KeptContent> copy{{"d.sync-conflict-20270115-080005-AUCQKBI", "lost?", 0}};
  Tree nested{{"d.sync-conflict-20270115-080114-AMBQGAY.sync-conflict-20270115-080005-AUCQKBI",
               File("lost?")}};
  CHECK(CheckNoDataLoss(copy, {nested}).empty());
  Tree renamed{{"d/report.txt", File("theirs")}, {"d/other.txt", File("mine")}};
  auto lost = CheckNoDataLoss(kept, {both, renamed});
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].rfind("dev1 lost d/report.txt 4B #", 0) == 0);
  CHECK(lost[0].find("(current on dev0 at heal time)") != std::string::npos);
}

TEST_CASE("content a device held is found under a name or in its versions, else reported",
          "[sim]") {
  Tree heal{{"a.txt", File("old a")}, {"b.txt", File("old b")}, {"c.txt", File("old c")}};
  Tree now{{"a.txt", File("new a")}, {"renamed.txt", File("old b")}};
  Tree versions{{".shoal/versions/a.txt~20270115-080000", File("old a")}};
  auto dropped = CheckNothingDropped({heal}, {now}, {versions});
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].rfind("dev0 dropped c.txt 5B #", 0) == 0);
}

TEST_CASE("temp files are reported wherever they are", "[sim]") {
  Tree tree{{"a/.shoal.tmp.x", File("part")}, {"b.shoal.tmp.keep", File("")}, {"ok", File("")}};
  auto found = CheckNoTempFiles({Tree{}, tree});
  REQUIRE(found.size() == 1);
  CHECK(found[0].rfind("dev1 has temp file a/.shoal.tmp.x", 0) == 0);
}

}  // namespace
}  // namespace shoal::sim
