#include "tests/sim/workload.h"

#include <catch2/catch.hpp>
#include <set>

#include "tests/sim/tree.h"

namespace shoal::sim {
namespace {

// Every entry's parent is a directory: no edit builds a file under a file.
void CheckWellFormed(const Tree& tree) {
  for (const auto& [path, entry] : tree) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) continue;
    auto parent = tree.find(path.substr(0, slash));
    REQUIRE(parent != tree.end());
    CHECK(parent->second.kind == EntryKind::kDirectory);
  }
}

TEST_CASE("random edits keep the tree well formed and replay from a seed", "[sim]") {
  MemoryFileSystem fs1;
  MemoryFileSystem fs2;
  Scheduler s1(99);
  Scheduler s2(99);
  std::set<std::string> verbs;
  bool big = false;
  for (int i = 0; i < 600; ++i) {
    s1.clock().Advance(100'000'000);
    s2.clock().Advance(100'000'000);
    std::string did = RandomEdit(fs1, s1);
    CHECK(RandomEdit(fs2, s2) == did);
    if (!did.empty()) verbs.insert(did.substr(0, did.find(' ')));
    auto tree = ReadTree(fs1, true);
    REQUIRE(tree);
    CheckWellFormed(*tree);
    for (const auto& [path, entry] : *tree) big |= entry.data.size() > 64 * 1024;
  }
  auto t1 = ReadTree(fs1, true);
  auto t2 = ReadTree(fs2, true);
  REQUIRE(t1);
  REQUIRE(t2);
  CHECK(*t1 == *t2);
  CHECK(big);  // multi-block files happen
  for (const char* verb : {"write", "edit", "append", "truncate", "delete", "rename", "copy",
                           "mkdir", "rm", "symlink", "chmod"}) {
    INFO(verb);
    CHECK(verbs.count(verb) == 1);
  }
}

TEST_CASE("random edits take mtimes from the simulated clock", "[sim]") {
  MemoryFileSystem fs;
  Scheduler s(3);
  s.clock().Advance(5'000'000'000);
  std::string did;
  while (did.rfind("write", 0) != 0) did = RandomEdit(fs, s);
  std::string path = did.substr(6, did.find(' ', 6) - 6);
  auto stat = fs.Lstat(path);
  REQUIRE(stat);
  CHECK(stat->mtime_ns == s.clock().NowUnixNanos());
}

}  // namespace
}  // namespace shoal::sim
