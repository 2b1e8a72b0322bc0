// Syncing twice the files must cost about twice the work: the store work
// (SQLite virtual machine steps, aggregates and scans included) and the
// pull passes of both devices are counted while a receiver takes a folder
// of N and of 2N small files from a sender. A pass that re-read the need
// list, or a status that aggregated the folder, makes the count grow with
// N² and fails this test.
#include <catch2/catch.hpp>
#include <functional>

#include "core/base/temp_name.h"
#include "tests/core/sync/engine_pair.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::EngineCluster;

struct SyncCost {
  std::int64_t sender_steps = 0;
  std::int64_t receiver_steps = 0;
  std::int64_t passes = 0;
};

// Delivers messages and runs pull passes as the daemon does (a pass when an
// engine wants one, or right after a pass that applied something) until
// nothing moves, with no scan; `after_round` runs after each round. Returns
// the passes run.
std::int64_t RunPulls(EngineCluster& c, const std::function<void()>& after_round = {}) {
  std::int64_t passes = 0;
  bool again[2] = {false, false};
  for (int round = 0; round < 100000; ++round) {
    c.DeliverAll();
    bool any = false;
    for (int d = 0; d < 2; ++d) {
      if (!again[d] && !c[d].engine->PullWanted()) continue;
      auto pass = c[d].engine->Pull();
      REQUIRE(pass);
      again[d] = pass->applied > 0;
      passes++;
      any = true;
    }
    if (after_round) after_round();
    if (!any && c.queue.empty()) break;
  }
  return passes;
}

SyncCost SyncOf(int files) {
  EngineCluster c(2);
  for (int i = 0; i < files; ++i) {
    const std::string name = "d" + std::to_string(i / 100) + "/f" + std::to_string(i);
    c[0].fs.WriteFile(name, "content of " + name, c.clock.now);
  }
  c.clock.now += 3'000'000'000;  // past the scanner's racy window
  c.Scan(0);
  const std::int64_t sender_before = c[0].index->db().VmSteps();
  const std::int64_t receiver_before = c[1].index->db().VmSteps();
  SyncCost cost;
  c.Connect(0, 1);
  // The receiver's status (Idle) is asked after every round, as a
  // subscriber would see it.
  cost.passes = RunPulls(c, [&c] {
    (void)c[1].engine->Idle();
    (void)c[1].engine->NeedCount();
    (void)c[1].index->CountLive(c[1].folder_key, c[1].local_key);
  });
  REQUIRE(c[1].engine->Idle());
  CHECK(c[1].index->CountLive(c[1].folder_key, c[1].local_key).value().files == files);
  cost.sender_steps = c[0].index->db().VmSteps() - sender_before;
  cost.receiver_steps = c[1].index->db().VmSteps() - receiver_before;
  return cost;
}

}  // namespace

TEST_CASE(
    "a pull pass reads the free space once and checks a directory its files share once, however "
    "many files it starts",
    "[sync][engine][linearity]") {
  EngineCluster c(2);
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) {
    c[0].fs.WriteFile("d/f" + std::to_string(i), "content " + std::to_string(i), c.clock.now);
  }
  c.clock.now += 3'000'000'000;  // past the scanner's racy window
  c.Scan(0);
  c.Connect(0, 1);
  const std::int64_t passes = RunPulls(c);
  REQUIRE(c[1].engine->Idle());
  REQUIRE(c[1].fs.Content("d/f299") == "content 299");
  INFO("passes " << passes << ", statvfs " << c[1].fs.free_space_count() << ", lstat of d "
                 << c[1].fs.lstat_count("d"));
  // Once per file (300 each) before; at most once a pass now.
  CHECK(c[1].fs.free_space_count() <= passes);
  CHECK(c[1].fs.lstat_count("d") <= passes);
  CHECK(passes < kFiles / 10);
}

TEST_CASE("syncing twice the files costs about twice the store work and passes",
          "[sync][engine][linearity]") {
  const SyncCost one = SyncOf(1000);
  const SyncCost two = SyncOf(2000);
  INFO("sender VM steps " << one.sender_steps << " -> " << two.sender_steps);
  INFO("receiver VM steps " << one.receiver_steps << " -> " << two.receiver_steps);
  INFO("passes " << one.passes << " -> " << two.passes);
  // Linear work doubles; a quadratic term would push these towards 4.
  CHECK(static_cast<double>(two.receiver_steps) / one.receiver_steps < 2.4);
  CHECK(static_cast<double>(two.sender_steps) / one.sender_steps < 2.4);
  CHECK(static_cast<double>(two.passes) / one.passes < 2.4);
}

}  // namespace shoal

namespace shoal {

TEST_CASE("a puller planning from a window of 3 names and a journal of 4 still pulls everything",
          "[sync][engine][need]") {
  PullerConfig pull;
  pull.plan_size = 3;
  pull.need_journal_cap = 4;
  pull.max_files = 2;
  pull.max_held = 3;
  pull.batch_files = 2;
  testing::EngineCluster c(2, pull);
  c.Connect(0, 1);
  for (int i = 0; i < 40; ++i) {
    c[0].fs.WriteFile("w/f" + std::to_string(i), "v1 of " + std::to_string(i), c.clock.now);
  }
  c.Settle(400);
  // A second wave while the first names are known: edits, deletions and
  // new names, on both ends of the name order.
  for (int i = 0; i < 40; i += 3) {
    c[0].fs.WriteFile("w/f" + std::to_string(i), "v2 of " + std::to_string(i), c.clock.now);
  }
  for (int i = 1; i < 40; i += 7) REQUIRE(c[0].fs.RemoveFile("w/f" + std::to_string(i)));
  c[0].fs.WriteFile("a-first", "new", c.clock.now);
  c[0].fs.WriteFile("z-last", "new", c.clock.now);
  c.Settle(400);
  for (int i = 0; i < 40; ++i) {
    const std::string name = "w/f" + std::to_string(i);
    INFO(name);
    if (i % 7 == 1) {
      CHECK_FALSE(c[1].fs.Lstat(name));
    } else {
      CHECK(c[1].fs.Content(name) == c[0].fs.Content(name));
    }
  }
  CHECK(c[1].fs.Content("a-first") == "new");
  CHECK(c[1].fs.Content("z-last") == "new");
  CHECK(c[1].engine->NeedCount() == 0);
}

TEST_CASE(
    "after the first sweep, pulling one file lists no directory, at any folder size, and temp "
    "files a scan finds are swept",
    "[sync][engine][linearity]") {
  EngineCluster c(2);
  for (int i = 0; i < 2000; ++i) {
    c[0].fs.WriteFile("d" + std::to_string(i / 20) + "/f" + std::to_string(i), "x", c.clock.now);
  }
  // A temp file an earlier run left behind: B's full scan finds it, and its
  // next idle pass removes it.
  c[1].fs.WriteFile("d7/.shoal.tmp.f140.1234", "partial", c.clock.now);
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  c.Connect(0, 1);
  c.Settle();
  REQUIRE(c[1].index->CountLive(c[1].folder_key, c[1].local_key).value().files == 2000);
  CHECK_FALSE(c[1].fs.Lstat("d7/.shoal.tmp.f140.1234"));

  c[0].fs.WriteFile("d42/f840", "changed", c.clock.now + 1);
  c.clock.now += 3'000'000'000;
  const std::string changed = "d42/f840";
  REQUIRE(c[0].engine->ScanPaths(std::span<const std::string>(&changed, 1)));
  const std::int64_t listed = c[1].fs.list_dir_count();
  RunPulls(c);  // no scan of B
  CHECK(c[1].fs.Content("d42/f840") == "changed");
  // The 100 directories are not listed again, nor is d42: the file's temp
  // was renamed into place, so there is nothing to sweep.
  CHECK(c[1].fs.list_dir_count() == listed);

  // A temp file a directory rename carried elsewhere: the scan that sees
  // the new directory tells the puller, whose next idle pass removes it.
  c[1].fs.WriteFile("renamed/.shoal.tmp.f9", "partial", c.clock.now);
  const std::string renamed = "renamed";
  REQUIRE(c[1].engine->ScanPaths(std::span<const std::string>(&renamed, 1)));
  REQUIRE(c[1].engine->Pull());
  CHECK_FALSE(c[1].fs.Lstat("renamed/.shoal.tmp.f9"));
}

TEST_CASE(
    "a pull of many files lists no directory to sweep its temp files, and the temp file of a "
    "dropped transfer is removed by name",
    "[sync][engine][linearity]") {
  EngineCluster c(2);
  for (int i = 0; i < 2000; ++i) {
    c[0].fs.WriteFile("d" + std::to_string(i / 20) + "/f" + std::to_string(i), "x", c.clock.now);
  }
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  c.Scan(1);  // B's first full walk: nothing of an earlier run is left
  c.Connect(0, 1);
  std::int64_t listed = c[1].fs.list_dir_count();
  RunPulls(c);
  REQUIRE(c[1].index->CountLive(c[1].folder_key, c[1].local_key).value().files == 2000);
  // Listing the directories the files went to held a daemon's loop for
  // about 3 s after 1,000,000 files.
  CHECK(c[1].fs.list_dir_count() == listed);

  // A transfer the sender's delete ends half way leaves its temp file.
  const std::string big = "d3/big.bin";
  const std::string temp = TempNameFor(big);
  c[0].fs.WriteFile(big, testing::RandomString(1'500'000, 7), c.clock.now);
  c.clock.now += 3'000'000'000;
  REQUIRE(c[0].engine->ScanPaths(std::span<const std::string>(&big, 1)));
  for (int step = 0; step < 200 && !c.queue.empty(); ++step) {
    if (!c[1].fs.Content(temp).empty()) break;
    auto m = std::move(c.queue.front());
    c.queue.pop_front();
    REQUIRE(c[m.to].engine->Receive(c[m.to].keys[static_cast<std::size_t>(m.from)], m.message));
    if (m.to == 1) REQUIRE(c[1].engine->Pull());
  }
  REQUIRE_FALSE(c[1].fs.Content(temp).empty());
  c[0].fs.Remove(big);
  c.clock.now += 3'000'000'000;
  REQUIRE(c[0].engine->ScanPaths(std::span<const std::string>(&big, 1)));
  listed = c[1].fs.list_dir_count();
  RunPulls(c);
  CHECK_FALSE(c[1].fs.Lstat(big));
  CHECK_FALSE(c[1].fs.Lstat(temp));
  CHECK(c[1].fs.list_dir_count() == listed);
}

}  // namespace shoal
