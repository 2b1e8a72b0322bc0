// Temp files fsynced off the pass (FolderEngine::set_offload, as the
// daemon runs them on libuv's thread pool): a file is placed only once its
// sync has run, the pass goes on meanwhile, and a pass is woken once a
// batch can go, not once per file.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/base/temp_name.h"
#include "tests/core/sync/engine_pair.h"
#include "tests/support/queued_offload.h"
#include "tests/support/test_bytes.h"

namespace shoal {

using testing::RandomString;
using testing::ReadDisk;

namespace {

// Delivers and pulls on device 1 until a pass leaves the queue as it was.
void PullUntilStill(testing::EngineCluster& c, testing::QueuedOffload& offload) {
  for (int round = 0; round < 20; ++round) {
    c.DeliverAll();
    const std::size_t before = offload.size();
    REQUIRE(c[1].engine->Pull());
    if (c.queue.empty() && offload.size() == before) return;
  }
}

// `count` files "DIR/f10.bin", "DIR/f11.bin"... of random bytes on device 0,
// sizes from `size` up by `step`, both devices scanned; returns the content.
std::map<std::string, std::string> WriteFiles(testing::EngineCluster& c, const std::string& dir,
                                              int count, std::size_t size, std::size_t step,
                                              std::uint64_t seed) {
  std::map<std::string, std::string> content;
  for (int i = 0; i < count; ++i) {
    const std::string name = dir + "/f" + std::to_string(10 + i) + ".bin";
    content[name] = RandomString(size + static_cast<std::size_t>(i) * step, seed + i);
    c[0].fs.WriteFile(name, content[name], c.clock.now - 10'000'000'000);
  }
  c.Scan(0);
  c.Scan(1);
  return content;
}

}  // namespace

TEST_CASE("offloaded fsyncs: a file is placed only after its sync ran and one wake per batch",
          "[sync][pull][offload]") {
  PullerConfig pull;
  pull.syncs_per_pass = GENERATE(std::size_t{0}, std::size_t{2});
  INFO("syncs per pass " << pull.syncs_per_pass);
  testing::EngineCluster c(2, pull, /*on_disk=*/{1});
  // After the cluster, so it goes first and finishes any queued sync that
  // the engines' destruction would otherwise wait for.
  testing::QueuedOffload offload;
  int wakes = 0;
  c[1].engine->set_offload(&offload, [&wakes] { wakes++; });
  c.Connect(0, 1);
  std::map<std::string, std::string> content;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "dir/f" + std::to_string(i) + ".bin";
    content[name] = RandomString(10'000 + static_cast<std::size_t>(i) * 3'000, i);
    c[0].fs.WriteFile(name, content[name], c.clock.now - 10'000'000'000);
  }
  c.Scan(0);
  c.Scan(1);

  // Assembled, and waiting for their syncs: nothing is at its name yet, the
  // index has none of them, and further passes do not place them.
  PullUntilStill(c, offload);
  REQUIRE(offload.size() > 0);
  if (pull.syncs_per_pass != 0) CHECK(offload.size() == pull.syncs_per_pass);
  for (int again = 0; again < 3; ++again) REQUIRE(c[1].engine->Pull());
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK_FALSE(std::filesystem::exists(c[1].root + "/" + name));
    auto entry = c[1].index->GetFile(c[1].folder_key, c[1].local_key, name).value();
    CHECK_FALSE(entry);
  }
  CHECK(wakes == 0);

  // The syncs finish (each finished one starts the next within the bound):
  // one wake, when the last is done, and the next pass places them all in
  // one batch.
  int batches = 0;
  while (offload.size() > 0) {
    offload.RunQueued();
    batches++;
    REQUIRE(batches < 10);
  }
  CHECK(wakes == 1);
  auto pass = c[1].engine->Pull();
  REQUIRE(pass);
  CHECK(pass->applied == 6);
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK(ReadDisk(c[1].root + "/" + name) == bytes);
    auto entry = c[1].index->GetFile(c[1].folder_key, c[1].local_key, name).value();
    REQUIRE(entry);
    CHECK(entry->size == static_cast<std::int64_t>(bytes.size()));
  }
  CHECK(c[1].engine->Idle());
}

TEST_CASE("offloaded fsyncs: a synced file waits for files on their way only for the batch window",
          "[sync][pull][offload]") {
  testing::EngineCluster c(2, {}, /*on_disk=*/{1});
  testing::QueuedOffload offload;  // after the cluster: see above
  c[1].engine->set_offload(&offload, [] {});
  c.Connect(0, 1);
  const std::string small = RandomString(5'000, 1);
  const std::string big = RandomString(3'000'000, 2);
  c[0].fs.WriteFile("a-small.txt", small, c.clock.now - 10'000'000'000);
  c[0].fs.WriteFile("big.bin", big, c.clock.now - 10'000'000'000);
  c.Scan(0);
  c.Scan(1);
  // Index across, then B starts both files and asks for their blocks in
  // name order, the small file's first; only that answer comes back.
  bool started = false;
  for (int round = 0; round < 10 && !started; ++round) {
    c.DeliverAll();
    REQUIRE(c[1].engine->Pull());
    for (const auto& m : c.queue) started |= std::holds_alternative<BlockRequest>(m.message);
  }
  REQUIRE(started);
  bool answered = false;
  while (!answered && !c.queue.empty()) {
    answered =
        c.queue.front().to == 1 && std::holds_alternative<BlockResponse>(c.queue.front().message);
    c.DeliverOne();
  }
  REQUIRE(answered);
  REQUIRE(c[1].engine->Pull());  // the small file is assembled: its sync starts
  REQUIRE(offload.size() == 1);
  offload.RunQueued();

  // Synced, but the big file is on its way: the batch waits, and says until when.
  REQUIRE(c[1].engine->Pull());
  CHECK_FALSE(std::filesystem::exists(c[1].root + "/a-small.txt"));
  auto due = c[1].engine->NextRetryNanos();
  REQUIRE(due);
  CHECK(*due == c.clock.now + kBatchWindowNs);
  c.clock.now += kBatchWindowNs / 2;
  REQUIRE(c[1].engine->Pull());
  CHECK_FALSE(std::filesystem::exists(c[1].root + "/a-small.txt"));

  // The window is over: it goes alone, while the big file still arrives.
  c.clock.now += kBatchWindowNs / 2;
  REQUIRE(c[1].engine->Pull());
  CHECK(ReadDisk(c[1].root + "/a-small.txt") == small);
  CHECK_FALSE(std::filesystem::exists(c[1].root + "/big.bin"));
  CHECK_FALSE(c[1].engine->NextRetryNanos());

  // Then the big file, with nothing else on its way, goes at once.
  for (int round = 0; round < 50 && ReadDisk(c[1].root + "/big.bin") != big; ++round) {
    c.DeliverAll();
    offload.RunQueued();
    REQUIRE(c[1].engine->Pull());
  }
  CHECK(ReadDisk(c[1].root + "/big.bin") == big);
}

TEST_CASE(
    "offloaded fsyncs: files assembled together are synced together by one syncfs where "
    "the file system honours it and by an fsync each where it does not",
    "[sync][pull][offload]") {
  const bool honoured = GENERATE(true, false);
  INFO("syncfs honoured: " << honoured);
  PullerConfig pull;
  pull.group_syncs = true;
  testing::EngineCluster c(2, pull);
  testing::QueuedOffload offload;  // after the cluster: see above
  c[1].engine->set_offload(&offload, [] {});
  c[1].fs.SetSyncsFileSystem(honoured);
  c.Connect(0, 1);
  std::map<std::string, std::string> content;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "g/f" + std::to_string(i) + ".bin";
    content[name] = RandomString(3'000 + static_cast<std::size_t>(i) * 500, 70 + i);
    c[0].fs.WriteFile(name, content[name], c.clock.now - 10'000'000'000);
  }
  // A large file is synced alone: a syncfs would write back the others'
  // data too, for nothing.
  content["g/large.bin"] = RandomString(kGroupSyncMaxFileBytes + 1000, 99);
  c[0].fs.WriteFile("g/large.bin", content["g/large.bin"], c.clock.now - 10'000'000'000);
  c.Scan(0);
  c.Scan(1);
  PullUntilStill(c, offload);
  // The six small files were assembled in one pass: one task syncs them
  // all, and another the large file.
  REQUIRE(offload.size() == 2);
  const std::int64_t before = c[1].fs.sync_count();
  offload.RunQueued();
  CHECK(c[1].fs.sync_count() - before == (honoured ? 2 : 7));
  auto pass = c[1].engine->Pull();
  REQUIRE(pass);
  CHECK(pass->applied == 7);
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK(c[1].fs.Content(name) == bytes);
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE(
    "offloaded fsyncs: files that wait for their sync do not hold up fetching the next ones "
    "and at most max_held are held",
    "[sync][pull][offload]") {
  PullerConfig pull;
  pull.max_files = 2;  // assembling at once
  pull.max_held = 5;   // assembling, or assembled and waiting
  testing::EngineCluster c(2, pull);
  testing::QueuedOffload offload;  // after the cluster: see above
  c[1].engine->set_offload(&offload, [] {});
  c.Connect(0, 1);
  std::map<std::string, std::string> content = WriteFiles(c, "h", 12, 2'000, 100, 200);
  auto temp_files = [&c] {
    auto entries = c[1].fs.ListDir("h");
    if (!entries) return std::size_t{0};
    return static_cast<std::size_t>(std::count_if(
        entries->begin(), entries->end(), [](const DirEntry& e) { return IsTempName(e.name); }));
  };
  // No sync comes back: the files assembled wait, and more than max_files
  // are fetched meanwhile, up to max_held.
  PullUntilStill(c, offload);
  CHECK(temp_files() == pull.max_held);
  CHECK(offload.size() == pull.max_held);   // each one assembled, its sync queued
  CHECK_FALSE(c[1].fs.Lstat("h/f10.bin"));  // placed only once synced

  // The syncs come back a few at a time: never more than max_held held,
  // and everything arrives.
  for (int round = 0; round < 100 && !c[1].engine->Idle(); ++round) {
    if (offload.size() > 0) offload.RunQueued();
    c.DeliverAll();
    REQUIRE(c[1].engine->Pull());
    CHECK(temp_files() <= pull.max_held);
  }
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK(c[1].fs.Content(name) == bytes);
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE(
    "a pass over files held for their sync looks up no version of theirs unless the need "
    "journal shows their name written",
    "[sync][pull][offload]") {
  testing::EngineCluster c(2);
  testing::QueuedOffload offload;  // after the cluster: see above
  c[1].engine->set_offload(&offload, [] {});
  c.Connect(0, 1);
  std::map<std::string, std::string> content = WriteFiles(c, "k", 40, 1'000, 10, 300);
  PullUntilStill(c, offload);
  REQUIRE(offload.size() == 40);  // all assembled, all waiting for their sync
  Database& db = c[1].index->db();
  std::int64_t before = db.VmSteps();
  REQUIRE(c[1].index->GetGlobalVersion(c[1].folder_key, "k/f10.bin"));
  const std::int64_t one_lookup = db.VmSteps() - before;
  REQUIRE(one_lookup > 0);
  // Nothing changed: the pass costs less than a few lookups, not one per job.
  before = db.VmSteps();
  REQUIRE(c[1].engine->Pull());
  const std::int64_t idle_pass = db.VmSteps() - before;
  INFO("one lookup " << one_lookup << " VM steps, a pass with 40 files held " << idle_pass);
  CHECK(idle_pass < 5 * one_lookup);

  // One file changes on the sender while its old version waits for its
  // sync: the journal names it, its job is found stale, and the new
  // version is what arrives; the other 39 are placed as they were.
  const std::string old_content = content["k/f20.bin"];
  content["k/f20.bin"] = RandomString(1'100, 999);
  c[0].fs.WriteFile("k/f20.bin", content["k/f20.bin"], c.clock.now - 5'000'000'000);
  c.Scan(0);
  c.DeliverAll();                 // the new version's index entry reaches device 1
  REQUIRE(c[1].engine->Pull());   // the journal names f20: its job is stale
  offload.RunQueued();            // every sync comes back
  c.clock.now += kBatchWindowNs;  // the batch waits for no file still on its way
  REQUIRE(c[1].engine->Pull());   // the others are placed, f20's old version is not
  CHECK(c[1].fs.Content("k/f10.bin") == content["k/f10.bin"]);
  CHECK(c[1].fs.Content("k/f20.bin") != old_content);
  for (int round = 0; round < 100 && !c[1].engine->Idle(); ++round) {
    c.DeliverAll();
    if (offload.size() > 0) offload.RunQueued();
    REQUIRE(c[1].engine->Pull());
  }
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK(c[1].fs.Content(name) == bytes);
  }
}

}  // namespace shoal
