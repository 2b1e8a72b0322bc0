// A small edit of a large file sends a small index entry: the block list
// travels as a change to a list the peer holds (core/model/block_delta.h),
// the peer's echo of a pulled file names the version it pulled, and a delta
// whose base is gone ends the connection and comes whole on the next one.
#include <catch2/catch.hpp>

#include "tests/core/sync/engine_pair.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

using testing::EngineCluster;
using testing::QueuedMessage;

constexpr const char* kName = "disk.img";

std::string RandomContent(std::size_t size, std::uint64_t seed) {
  const Bytes bytes = testing::RandomBytes(size, seed);
  return std::string(bytes.begin(), bytes.end());
}

// The entries for kName in index batches from `from` to `to`.
std::vector<FileInfo> EntriesSent(const std::vector<QueuedMessage>& log, int from, int to) {
  std::vector<FileInfo> entries;
  for (const QueuedMessage& m : log) {
    const auto* batch = std::get_if<IndexBatch>(&m.message);
    if (batch == nullptr || m.from != from || m.to != to) continue;
    for (const FileInfo& f : batch->files) {
      if (f.name == kName) entries.push_back(f);
    }
  }
  return entries;
}

FileInfo Held(EngineCluster& c, int device, int owner) {
  auto held = c[device].index->GetFile(c[device].folder_key,
                                       c[device].keys[static_cast<std::size_t>(owner)], kName);
  REQUIRE(held);
  REQUIRE(*held);
  return **held;
}

// 0 and 1 hold the same 4 MiB file (about 64 blocks), synced.
void SyncLargeFile(EngineCluster& c, std::string& content) {
  content = RandomContent(4 << 20, 77);
  c[0].fs.WriteFile(kName, content, c.clock.now);
  c.Connect(0, 1);
  c.Settle();
  REQUIRE(c[1].fs.Content(kName) == content);
  REQUIRE(Held(c, 0, 0).blocks.size() >= 32);
}

}  // namespace

TEST_CASE("a small edit of a large file sends a delta, and the echo sends no blocks",
          "[sync][engine][delta]") {
  EngineCluster c(2);
  std::string content;
  SyncLargeFile(c, content);

  std::vector<QueuedMessage> log;
  c.record = &log;
  content.insert(content.size() / 2, "!");  // one byte in the middle
  c.clock.now += 5'000'000'000;
  c[0].fs.WriteFile(kName, content, c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content(kName) == content);

  const FileInfo full = Held(c, 0, 0);
  const std::vector<FileInfo> sent = EntriesSent(log, 0, 1);
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].blocks_delta);
  CHECK(sent[0].blocks.size() <= 3);  // the blocks around the insert
  CHECK(sent[0].blocks_delta->keep_prefix + sent[0].blocks_delta->keep_suffix +
            sent[0].blocks.size() ==
        full.blocks.size());
  // B rebuilt the whole list and holds it as A's entry.
  CHECK(Held(c, 1, 0).blocks == full.blocks);

  const std::vector<FileInfo> echo = EntriesSent(log, 1, 0);
  REQUIRE(echo.size() == 1);
  REQUIRE(echo[0].blocks_delta);
  CHECK(echo[0].blocks.empty());
  CHECK(echo[0].blocks_delta->base == full.version);
  CHECK(Held(c, 0, 1).blocks == full.blocks);
}

TEST_CASE("a renamed large file is sent as a delta naming the old name, with no blocks",
          "[sync][engine][delta]") {
  EngineCluster c(2);
  std::string content;
  SyncLargeFile(c, content);
  const FileInfo before = Held(c, 0, 0);
  std::vector<QueuedMessage> log;
  c.record = &log;
  c.clock.now += 5'000'000'000;
  c[0].fs.Remove(kName);
  c[0].fs.WriteFile("renamed.img", content, c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content("renamed.img") == content);
  CHECK(c[1].fs.Content(kName).empty());

  const FileInfo* sent = nullptr;
  for (const QueuedMessage& m : log) {
    const auto* batch = std::get_if<IndexBatch>(&m.message);
    if (batch == nullptr || m.from != 0) continue;
    for (const FileInfo& f : batch->files) {
      if (f.name == "renamed.img") sent = &f;
    }
  }
  REQUIRE(sent != nullptr);
  REQUIRE(sent->blocks_delta);
  CHECK(sent->blocks_delta->base_name == kName);
  CHECK(sent->blocks.empty());
  auto held = c[1].index->GetFile(c[1].folder_key, c[1].keys[0], "renamed.img");
  REQUIRE(held);
  REQUIRE(*held);
  CHECK((*held)->blocks == before.blocks);
}

TEST_CASE("two quick edits each go as a delta against the one before", "[sync][engine][delta]") {
  EngineCluster c(2);
  std::string content;
  SyncLargeFile(c, content);
  std::vector<QueuedMessage> log;
  c.record = &log;
  for (int edit = 0; edit < 2; ++edit) {
    // The second edit is scanned and sent before B's echo of the first arrives.
    content.replace(content.size() / 3 + static_cast<std::size_t>(edit) * (1 << 20), 4096,
                    RandomContent(4096, 100 + static_cast<std::uint64_t>(edit)));
    c.clock.now += 5'000'000'000;
    c[0].fs.WriteFile(kName, content, c.clock.now);
    c.Scan(0);
  }
  c.Settle();
  REQUIRE(c[1].fs.Content(kName) == content);
  const std::vector<FileInfo> sent = EntriesSent(log, 0, 1);
  REQUIRE(sent.size() == 2);
  for (const FileInfo& f : sent) {
    REQUIRE(f.blocks_delta);
    CHECK(f.blocks.size() <= 4);
  }
  CHECK(sent[1].blocks_delta->base == sent[0].version);  // what A sent, not B's stale entry
  CHECK(Held(c, 1, 0).blocks == Held(c, 0, 0).blocks);
}

TEST_CASE("a peer that does not take deltas gets whole lists", "[sync][engine][delta]") {
  EngineCluster c(2);
  c.block_deltas = false;
  std::string content;
  SyncLargeFile(c, content);
  std::vector<QueuedMessage> log;
  c.record = &log;
  content.insert(content.size() / 2, "!");
  c.clock.now += 5'000'000'000;
  c[0].fs.WriteFile(kName, content, c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content(kName) == content);
  for (int from : {0, 1}) {
    for (const FileInfo& f : EntriesSent(log, from, 1 - from)) {
      CHECK_FALSE(f.blocks_delta);
      CHECK(f.blocks.size() == Held(c, 0, 0).blocks.size());
    }
  }
}

TEST_CASE("a delta whose base is gone ends the connection, reconnected, the entry comes whole",
          "[sync][engine][delta]") {
  EngineCluster c(2);
  std::string content;
  SyncLargeFile(c, content);
  c[0].fs.WriteFile("small.txt", "before the big one", c.clock.now);
  c.clock.now += 5'000'000'000;
  c.Scan(0);
  content.insert(content.size() / 2, "!");
  c.clock.now += 5'000'000'000;
  c[0].fs.WriteFile(kName, content, c.clock.now);
  c.Scan(0);
  // The race this stands for: the base A chose was B's entry as A last
  // heard it, and B has since changed it (and never sent or received that
  // version on this connection). Renaming the base in flight makes it so.
  REQUIRE(c.queue.size() == 2);
  auto& batch = std::get<IndexBatch>(c.queue.back().message);
  REQUIRE(batch.files.size() == 1);
  REQUIRE(batch.files[0].blocks_delta);
  batch.files[0].blocks_delta->base.Set(999, 1);
  c.DeliverOne();  // small.txt applies
  QueuedMessage m = std::move(c.queue.front());
  c.queue.pop_front();
  auto refused = c[1].engine->Receive(c[1].keys[0], m.message);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kProtocol);
  CHECK_THAT(refused.error().message, Catch::Contains("comes whole after reconnecting"));
  CHECK(Held(c, 1, 0).blocks != Held(c, 0, 0).blocks);  // nothing half-applied

  c.Disconnect(0, 1);
  c.Connect(0, 1);
  std::vector<QueuedMessage> log;
  c.record = &log;
  c.Settle();
  CHECK(c[1].fs.Content(kName) == content);
  CHECK(c[1].fs.Content("small.txt") == "before the big one");
  CHECK(Held(c, 1, 0).blocks == Held(c, 0, 0).blocks);
  const std::vector<FileInfo> again = EntriesSent(log, 0, 1);
  REQUIRE(again.size() == 1);
  CHECK_FALSE(again[0].blocks_delta);  // the catch-up after a hello is whole
}

}  // namespace shoal
