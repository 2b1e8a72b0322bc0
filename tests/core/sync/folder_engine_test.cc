#include "core/sync/folder_engine.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/version/conflict.h"
#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Every path with its kind and content, for tree comparisons (not .shoal).
std::map<std::string, std::string> Tree(MemoryFileSystem& fs, const std::string& dir = "") {
  std::map<std::string, std::string> out;
  auto entries = fs.ListDir(dir);
  REQUIRE(entries);
  for (const DirEntry& e : *entries) {
    std::string path = JoinPath(dir, e.name);
    if (path == ".shoal") continue;  // per-device state: versions differ by design
    if (e.stat.kind == EntryKind::kDirectory) {
      out[path] = "dir";
      auto below = Tree(fs, path);
      out.insert(below.begin(), below.end());
    } else if (e.stat.kind == EntryKind::kSymlink) {
      out[path] = "link:" + fs.ReadLink(path).value();
    } else {
      out[path] = fs.Content(path);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a new file, directory and symlink appear on the peer byte for byte", "[sync][engine]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("docs/report.txt", RandomBytes(300'000, 1), c.clock.now - 10'000'000'000);
  c[0].fs.AddSymlink("docs/link", "report.txt");
  c[0].fs.MakeDirectory("empty", 0700);
  c.Settle();
  CHECK(Tree(c[1].fs) == Tree(c[0].fs));
  CHECK(c[1].fs.Lstat("empty").value().permissions == 0700);
  CHECK(c[1].fs.Lstat("docs/report.txt").value().mtime_ns ==
        c[0].fs.Lstat("docs/report.txt").value().mtime_ns);
  CHECK(c[1].engine->NeedCount() == 0);
}

TEST_CASE("edits and deletes propagate, an edit reuses the blocks it already has",
          "[sync][engine]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  std::string content = RandomBytes(600'000, 2);
  c[0].fs.WriteFile("big.bin", content, c.clock.now);
  c[0].fs.WriteFile("gone.txt", "bye", c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content("big.bin") == content);
  content.insert(100'000, "a few inserted bytes");
  c[0].fs.WriteFile("big.bin", content, c.clock.now);
  c[0].fs.Remove("gone.txt");
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  // Deliver the announcement and pull once by hand to see where blocks came from.
  std::int64_t local_blocks = 0;
  std::int64_t remote_blocks = 0;
  for (int round = 0; round < 20; ++round) {
    c.DeliverAll();
    auto pass = c[1].engine->Pull();
    REQUIRE(pass);
    local_blocks += pass->local_blocks;
    remote_blocks += pass->remote_blocks;
  }
  c.Settle();
  CHECK(c[1].fs.Content("big.bin") == content);
  CHECK_FALSE(c[1].fs.Lstat("gone.txt"));
  CHECK(local_blocks >= 5);   // the unchanged blocks around the edit
  CHECK(remote_blocks <= 3);  // only the blocks around the insertion
  CHECK(Tree(c[1].fs) == Tree(c[0].fs));
}

TEST_CASE("concurrent edits keep both contents, under the same names on both devices",
          "[sync][engine][conflict]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("notes.txt", "original", c.clock.now);
  c.Settle();
  c.Disconnect(0, 1);
  c[0].fs.WriteFile("notes.txt", "edited on zero", c.clock.now + 1'000'000'000);
  c[1].fs.WriteFile("notes.txt", "edited on one, later", c.clock.now + 2'000'000'000);
  c.ScanAndHeal(0, 1);
  auto tree = Tree(c[0].fs);
  CHECK(tree == Tree(c[1].fs));
  CHECK(tree["notes.txt"] == "edited on one, later");  // newer mtime wins
  int copies = 0;
  for (const auto& [name, content] : tree) {
    if (ConflictOriginalName(name) == "notes.txt") {
      ++copies;
      CHECK(content == "edited on zero");
    }
  }
  CHECK(copies == 1);
}

TEST_CASE("a delete never beats a concurrent edit", "[sync][engine][conflict]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("keep.txt", "v1", c.clock.now);
  c.Settle();
  c.Disconnect(0, 1);
  c[0].fs.Remove("keep.txt");
  c[1].fs.WriteFile("keep.txt", "v2 edited", c.clock.now + 1);
  c.ScanAndHeal(0, 1);
  CHECK(c[0].fs.Content("keep.txt") == "v2 edited");
  CHECK(Tree(c[0].fs) == Tree(c[1].fs));
}

TEST_CASE("a rename is applied as a rename, not a download", "[sync][engine]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  std::string content = RandomBytes(400'000, 3);
  c[0].fs.WriteFile("old/name.bin", content, c.clock.now);
  c.Settle();
  std::uint64_t inode_before = c[1].fs.Lstat("old/name.bin").value().inode;
  c[0].fs.WriteFile("new/name.bin", content, c[0].fs.Lstat("old/name.bin").value().mtime_ns);
  c[0].fs.Remove("old");
  c.clock.now += 3'000'000'000;
  c.Settle();
  CHECK(c[1].fs.Content("new/name.bin") == content);
  CHECK_FALSE(c[1].fs.Lstat("old"));
  CHECK(c[1].fs.Lstat("new/name.bin").value().inode == inode_before);  // moved, not rewritten
  CHECK(Tree(c[0].fs) == Tree(c[1].fs));
}

TEST_CASE("a directory deleted on one side while a file is added to it on the other stays",
          "[sync][engine][conflict]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("d/a.txt", "a", c.clock.now);
  c.Settle();
  c.Disconnect(0, 1);
  c[0].fs.Remove("d");
  c[1].fs.WriteFile("d/new.txt", "new", c.clock.now + 1);
  c.ScanAndHeal(0, 1);
  auto tree = Tree(c[0].fs);
  CHECK(tree == Tree(c[1].fs));
  CHECK(tree["d/new.txt"] == "new");
  CHECK(tree.count("d/a.txt") == 0);
}

TEST_CASE("a hostile name in an index batch is refused, the rest applies", "[sync][engine]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  FileInfo good;
  good.name = "fine.txt";
  good.version.Set(c[0].short_id, 5);
  good.sequence = 100;
  FileInfo bad = good;
  bad.name = "../escape.txt";
  bad.sequence = 101;
  IndexBatch batch{"shared", 1000, false, {bad, good}};
  REQUIRE(c[1].engine->Receive(c[1].keys[0], batch));
  REQUIRE(c[1].engine->problems().size() == 1);
  CHECK(c[1].engine->problems()[0].name == "../escape.txt");
  CHECK(c[1].index->GetFile(c[1].folder_key, c[1].keys[0], "fine.txt").value().has_value());
  CHECK_FALSE(c[1].index->GetFile(c[1].folder_key, c[1].keys[0], "../escape.txt").value());
}

TEST_CASE("a local change made while a file was being pulled is not overwritten",
          "[sync][engine][conflict]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("f.txt", "one", c.clock.now);
  c.Settle();
  c[0].fs.WriteFile("f.txt", "remote edit", c.clock.now + 1'000'000'000);
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  c.DeliverAll();
  REQUIRE(c[1].engine->Pull());  // starts the file; its block is requested
  // The user edits the target before the pulled version is renamed in.
  c[1].fs.WriteFile("f.txt", "local edit, unscanned", c.clock.now + 2'000'000'000);
  c.Settle();
  auto tree = Tree(c[1].fs);
  CHECK(tree == Tree(c[0].fs));
  bool kept = false;
  for (const auto& [name, content] : tree) kept = kept || content == "local edit, unscanned";
  CHECK(kept);
}

TEST_CASE("a resumed temp file is checked within the fill budget and its blocks are kept",
          "[sync][engine]") {
  // 200 KiB of local work per pass: a 4 MB temp file from an interrupted
  // pull takes several passes to check, none of them reads it all, and what
  // it held is not fetched again.
  PullerConfig pull;
  pull.fill_bytes_per_pass = 200 << 10;
  EngineCluster c(2, pull);
  c.Connect(0, 1);
  const std::string content = RandomBytes(4'000'000, 9);
  c[0].fs.WriteFile("movie.bin", content, c.clock.now);
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  for (int step = 0; step < 2000 && !c.queue.empty(); ++step) {
    if (c[1].fs.Content(".shoal.tmp.movie.bin").size() > 3'000'000) break;
    auto m = std::move(c.queue.front());
    c.queue.pop_front();
    REQUIRE(c[m.to].engine->Receive(c[m.to].keys[static_cast<std::size_t>(m.from)], m.message));
    if (m.to == 1) REQUIRE(c[1].engine->Pull());
  }
  c.Crash(1);
  REQUIRE(c[1].fs.Content(".shoal.tmp.movie.bin").size() > 3'000'000);
  c.Restart(1);
  c.Connect(0, 1);
  std::int64_t resumed = 0;
  std::int64_t most_in_one_pass = 0;
  int passes = 0;
  for (int round = 0; round < 200 && c[1].fs.Content("movie.bin") != content; ++round) {
    c.DeliverAll();
    auto pass = c[1].engine->Pull();
    REQUIRE(pass);
    resumed += pass->resumed_blocks;
    most_in_one_pass = std::max(most_in_one_pass, pass->resumed_blocks);
    passes += pass->resumed_blocks > 0 ? 1 : 0;
  }
  c.Settle();
  CHECK(c[1].fs.Content("movie.bin") == content);
  CHECK_FALSE(c[1].fs.Lstat(".shoal.tmp.movie.bin"));
  // Small-class blocks average 64 KiB: the 3 MB held are about 45 of them,
  // at most about 4 per pass of 200 KiB (one block may overshoot the budget).
  CHECK(resumed >= 30);
  CHECK(most_in_one_pass <= 5);
  CHECK(passes >= 6);
}

TEST_CASE("a device that crashes mid-transfer resumes and leaves no temp file", "[sync][engine]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  std::string content = RandomBytes(1'500'000, 4);
  c[0].fs.WriteFile("movie.bin", content, c.clock.now);
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  // Deliver only some block responses, then crash the receiver.
  for (int step = 0; step < 200 && !c.queue.empty(); ++step) {
    if (c[1].fs.Content(".shoal.tmp.movie.bin").size() > 0) break;
    auto m = std::move(c.queue.front());
    c.queue.pop_front();
    REQUIRE(c[m.to].engine->Receive(c[m.to].keys[static_cast<std::size_t>(m.from)], m.message));
    if (m.to == 1) REQUIRE(c[1].engine->Pull());
  }
  c.Crash(1);
  std::string partial = c[1].fs.Content(".shoal.tmp.movie.bin");
  REQUIRE(partial.size() > 0);  // really interrupted mid-file
  CHECK_FALSE(c[1].fs.Lstat("movie.bin"));
  c.Restart(1);
  c.Connect(0, 1);
  c.Settle();
  CHECK(c[1].fs.Content("movie.bin") == content);
  CHECK_FALSE(c[1].fs.Lstat(".shoal.tmp.movie.bin"));
  CHECK(Tree(c[1].fs) == Tree(c[0].fs));
}

}  // namespace shoal

namespace shoal {

TEST_CASE("a file that would replace a directory still holding files is kept as a copy",
          "[sync][engine][conflict]") {
  using testing::EngineCluster;
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("x/old.txt", "old", c.clock.now);
  c.Settle();
  c.Disconnect(0, 1);
  c[0].fs.WriteFile("x/new.txt", "added on zero", c.clock.now + 1'000'000'000);
  c[1].fs.Remove("x");
  c[1].fs.WriteFile("x", "a file now, and newer", c.clock.now + 2'000'000'000);
  c.ScanAndHeal(0, 1);
  auto tree = Tree(c[0].fs);
  CHECK(tree == Tree(c[1].fs));
  CHECK(tree["x"] == "dir");
  CHECK(tree["x/new.txt"] == "added on zero");
  bool kept = false;
  for (const auto& [name, content] : tree) {
    kept = kept || (ConflictOriginalName(name) == "x" && content == "a file now, and newer");
  }
  CHECK(kept);
}

}  // namespace shoal

namespace shoal {

TEST_CASE("names a device ignores are not pulled and its own copy is left alone",
          "[sync][engine][ignore]") {
  using testing::EngineCluster;
  EngineCluster c(2);
  c[1].fs.WriteFile(".shoalignore", "*.log\nbuild/\n", c.clock.now);
  c[1].fs.WriteFile("mine.log", "local log", c.clock.now);
  c[0].fs.WriteFile("mine.log", "remote log", c.clock.now);
  c[0].fs.WriteFile("build/out.o", "object", c.clock.now);
  c[0].fs.WriteFile("src/main.cc", "int main() {}", c.clock.now);
  c.Connect(0, 1);
  c.Settle();  // settles: ignored needs do not keep the engine busy
  CHECK(c[1].fs.Content("src/main.cc") == "int main() {}");
  CHECK(c[1].fs.Content("mine.log") == "local log");
  CHECK_FALSE(c[1].fs.Lstat("build"));
  CHECK(c[0].fs.Content(".shoalignore") == "*.log\nbuild/\n");  // the rules file itself syncs
}

}  // namespace shoal

namespace shoal {

TEST_CASE("many files arrive through a small window of files assembled at once", "[sync][engine]") {
  PullerConfig pull;
  pull.max_files = 4;
  pull.max_held = 5;
  pull.batch_files = 3;
  testing::EngineCluster c(2, pull);
  c.Connect(0, 1);
  for (int i = 0; i < 150; ++i) {
    c[0].fs.WriteFile("many/f" + std::to_string(i), RandomBytes(100 + i * 37, 1000 + i),
                      c.clock.now);
  }
  c.Settle(400);
  CHECK(Tree(c[1].fs) == Tree(c[0].fs));
}

}  // namespace shoal
