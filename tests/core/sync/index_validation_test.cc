// What a device accepts from a peer's index and how it sends its own:
// bounded version vectors, no counters for this device that it never
// issued, equal vectors over different content as a conflict, only the
// 0777 permission bits, and index batches cut by encoded size with
// backpressure (docs/reliability.md).
#include <catch2/catch.hpp>

#include "core/sync/folder_engine.h"
#include "core/sync/index_batcher.h"
#include "core/version/conflict.h"
#include "net/wire/messages.h"
#include "net/wire/record.h"
#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

FileInfo Entry(const std::string& name, std::uint64_t device, std::uint64_t counter,
               std::int64_t sequence) {
  FileInfo f;
  f.name = name;
  f.version.Set(device, counter);
  f.sequence = sequence;
  f.permissions = 0644;
  return f;
}

std::int64_t CountEntries(Index& index, FolderKey folder, DeviceKey device) {
  return index.CountFiles(folder, device).value();
}

bool Stored(EngineCluster& c, int at, int from, const std::string& name) {
  auto f = c[at].index->GetFile(c[at].folder_key, c[at].keys[static_cast<std::size_t>(from)], name);
  REQUIRE(f);
  return f->has_value();
}

// A link whose congestion the test controls; it keeps what was sent.
class GateLink final : public PeerLink {
 public:
  void Send(EngineMessage message) override { sent.push_back(std::move(message)); }
  bool Writable() const override { return writable; }
  std::vector<IndexBatch> Batches() const {
    std::vector<IndexBatch> out;
    for (const auto& m : sent) {
      if (auto* b = std::get_if<IndexBatch>(&m)) out.push_back(*b);
    }
    return out;
  }
  std::vector<EngineMessage> sent;
  bool writable = true;
};

}  // namespace

TEST_CASE(
    "entries with a counter above 2^62 or a vector of too many devices are refused and the "
    "rest applies",
    "[sync][engine][vv]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  FileInfo good = Entry("good.txt", c[0].short_id, 5, 100);
  FileInfo huge = Entry("huge.txt", c[0].short_id, kMaxVersionCounter + 1, 101);
  FileInfo wide = Entry("wide.txt", c[0].short_id, 5, 102);
  for (std::uint64_t d = 1; d <= kMaxVersionEntries; ++d) wide.version.Set(d * 7919, 1);
  REQUIRE(
      c[1].engine->Receive(c[1].keys[0], IndexBatch{"shared", 1000, false, {huge, wide, good}}));
  CHECK(Stored(c, 1, 0, "good.txt"));
  CHECK_FALSE(Stored(c, 1, 0, "huge.txt"));
  CHECK_FALSE(Stored(c, 1, 0, "wide.txt"));
  REQUIRE(c[1].engine->problems().size() == 2);
}

TEST_CASE("a counter for this device above anything it issued is refused", "[sync][engine][vv]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  // Device 1 once ran with its clock ten days ahead: its counter for
  // mine.txt is far beyond today, and genuinely its own.
  const std::int64_t ten_days_ns = 10ll * 86400 * 1'000'000'000;
  c.clock.now += ten_days_ns;
  c[1].fs.WriteFile("mine.txt", "written on one", c.clock.now);
  c.clock.now += 5'000'000'000;
  c.Settle();
  c.clock.now -= ten_days_ns;
  const std::uint64_t now = static_cast<std::uint64_t>(c.clock.NowUnixSeconds());
  auto ours = c[1].index->GetFile(c[1].folder_key, c[1].local_key, "mine.txt").value().value();
  REQUIRE(ours.version.Get(c[1].short_id) > now + 86400);
  // Device 0 claims versions of device 1 that device 1 never made.
  FileInfo forged = Entry("forged.txt", c[1].short_id, now + 20 * 86400, 100);
  FileInfo known = Entry("mine.txt", c[1].short_id, ours.version.Get(c[1].short_id), 101);
  FileInfo recent = Entry("recent.txt", c[1].short_id, now + 60, 102);  // clock skew: fine
  REQUIRE(c[1].engine->Receive(c[1].keys[0],
                               IndexBatch{"shared", 1000, false, {forged, known, recent}}));
  CHECK_FALSE(Stored(c, 1, 0, "forged.txt"));
  CHECK(Stored(c, 1, 0, "mine.txt"));
  CHECK(Stored(c, 1, 0, "recent.txt"));
  REQUIRE(c[1].engine->problems().size() == 1);
  CHECK(c[1].engine->problems()[0].message.find("above anything it issued") != std::string::npos);
}

TEST_CASE("equal version vectors over different content are a conflict and both contents are kept",
          "[sync][engine][vv][conflict]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("x.txt", "content of zero", c.clock.now);
  c.Settle();
  c.Disconnect(0, 1);
  // Device 1 ends up with other content under the very same vector (a
  // cloned identity or a restored index would do this).
  const FileInfo shared =
      c[1].index->GetFile(c[1].folder_key, c[1].local_key, "x.txt").value().value();
  c[1].fs.WriteFile("x.txt", "content of one", c.clock.now + 5'000'000'000);
  c.clock.now += 10'000'000'000;
  c.Scan(1);
  FileInfo diverged = c[1].index->GetFile(c[1].folder_key, c[1].local_key, "x.txt").value().value();
  REQUIRE(diverged.version != shared.version);
  diverged.version = shared.version;
  std::vector<FileInfo> put{diverged};
  REQUIRE(c[1].index->PutFiles(c[1].folder_key, c[1].local_key, put));
  c.Connect(0, 1);
  c.Settle();
  // The newer mtime wins; the other content is a conflict copy on both.
  CHECK(c[0].fs.Content("x.txt") == "content of one");
  CHECK(c[1].fs.Content("x.txt") == "content of one");
  int copies = 0;
  const auto listing = c[0].fs.ListDir("");
  REQUIRE(listing);
  for (const auto& e : *listing) {
    if (ConflictOriginalName(e.name) == "x.txt") {
      ++copies;
      CHECK(c[0].fs.Content(e.name) == "content of zero");
      CHECK(c[1].fs.Content(e.name) == "content of zero");
    }
  }
  CHECK(copies == 1);
}

TEST_CASE("setuid, setgid and sticky never travel or apply and the owner keeps read and write",
          "[sync][engine][permissions]") {
  PullerConfig pull;
  pull.umask = 022;
  EngineCluster c(2, pull);
  c.Connect(0, 1);
  c[0].fs.WriteFile("run.sh", "#!/bin/sh", c.clock.now, 04755);
  c[0].fs.WriteFile("locked", "no access", c.clock.now, 0000);
  c[0].fs.WriteFile("open", "everyone", c.clock.now, 0777);
  c[0].fs.MakeDirectory("shared-dir", 01777);
  c.Settle();
  auto sent = c[0].index->GetFile(c[0].folder_key, c[0].local_key, "run.sh").value().value();
  CHECK(sent.permissions == 0755);  // recorded without the setuid bit, so never sent
  CHECK(c[1].fs.Lstat("run.sh").value().permissions == 0755);
  CHECK(c[1].fs.Lstat("locked").value().permissions == 0600);  // owner keeps rw
  CHECK(c[1].fs.Lstat("open").value().permissions == 0755);    // umask 022
  CHECK(c[1].fs.Lstat("shared-dir").value().permissions == 0755);
  // A peer that sends the bits anyway: stored and applied without them.
  FileInfo crafted = Entry("crafted", c[0].short_id, 5, 1000);
  crafted.type = FileType::kDirectory;
  crafted.permissions = 07777;
  REQUIRE(c[1].engine->Receive(c[1].keys[0], IndexBatch{"shared", 1000, false, {crafted}}));
  auto stored = c[1].index->GetFile(c[1].folder_key, c[1].keys[0], "crafted").value().value();
  CHECK(stored.permissions == 0777);
  c.Settle();
  CHECK(c[1].fs.Lstat("crafted").value().permissions == 0755);
}

TEST_CASE(
    "index batches are cut by encoded size: 500 entries of 20,000 blocks each cross in "
    "messages under the cap",
    "[sync][engine][index]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.DeliverAll();
  std::vector<BlockRef> blocks(20'000);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].size = 256 * 1024;  // the smallest block of a file over 1 GiB
    blocks[i].hash.bytes[0] = static_cast<std::uint8_t>(i);
    blocks[i].hash.bytes[1] = static_cast<std::uint8_t>(i >> 8);
  }
  IndexBatcher batcher(std::size_t{1} << 20);
  std::vector<std::vector<FileInfo>> batches;
  for (int i = 0; i < 500; ++i) {
    FileInfo f = Entry("big/" + std::to_string(i) + ".bin", c[0].short_id, 5, i + 1);
    f.blocks = blocks;
    f.size = BlockListSize(blocks);
    if (batcher.StartsNewBatch(f)) batches.push_back(batcher.Take());
    batcher.Add(std::move(f));
  }
  batches.push_back(batcher.Take());
  REQUIRE(batches.size() > 100);  // a count-based cut of 500 would have sent one 200 MB batch
  std::int64_t received = 0;
  for (auto& files : batches) {
    net::wire::IndexUpdate update;
    update.folder = "shared";
    update.files = std::move(files);
    Bytes body = net::wire::Encode(update);
    CHECK(body.size() <= std::size_t{1} << 20);
    auto decoded = net::wire::DecodeIndexUpdate(body);
    REQUIRE(decoded);
    received += static_cast<std::int64_t>(decoded->files.size());
    REQUIRE(c[1].engine->Receive(c[1].keys[0],
                                 IndexBatch{"shared", 1000, false, std::move(decoded->files)}));
  }
  CHECK(received == 500);
  CHECK(CountEntries(*c[1].index, c[1].folder_key, c[1].keys[0]) == 500);
  CHECK(c[1].engine->problems().empty());
  // One entry over the limit is refused with a reason; the session goes on.
  FileInfo oversized = Entry("too-big.bin", c[0].short_id, 5, 501);
  oversized.blocks.assign(kMaxFileBlocks + 1, blocks[0]);
  oversized.size = BlockListSize(oversized.blocks);
  REQUIRE(c[1].engine->Receive(c[1].keys[0], IndexBatch{"shared", 1000, false, {oversized}}));
  REQUIRE(c[1].engine->problems().size() == 1);
  CHECK(c[1].engine->problems()[0].name == "too-big.bin");
}

TEST_CASE(
    "index batches of many small entries are cut by count too, so that a receiver stores each "
    "in a short step",
    "[sync][engine][index]") {
  EngineCluster c(2);
  constexpr int kFiles = 1200;
  for (int i = 0; i < kFiles; ++i) {
    c[0].fs.WriteFile("d/f" + std::to_string(i), "x", c.clock.now);
  }
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  std::vector<std::size_t> sizes;
  c.on_send = [&](const testing::QueuedMessage& m) {
    if (m.from != 0) return;
    if (const auto* batch = std::get_if<IndexBatch>(&m.message))
      sizes.push_back(batch->files.size());
  };
  c.Connect(0, 1);
  c.Settle();
  CHECK(CountEntries(*c[1].index, c[1].folder_key, c[1].keys[0]) == kFiles + 1);
  std::size_t total = 0;
  for (std::size_t n : sizes) {
    CHECK(n <= kIndexBatchEntries);
    total += n;
  }
  // 1,201 entries of a few dozen bytes fit one 1 MiB batch by size alone.
  CHECK(total == kFiles + 1);
  CHECK(sizes.size() >= 3);
}

TEST_CASE(
    "an engine holds back index batches while its link is congested and resumes when it "
    "drains",
    "[sync][engine][index]") {
  EngineCluster c(2);
  for (int i = 0; i < 60; ++i) {
    c[0].fs.WriteFile("a-rather-long-directory-name/file-" + std::to_string(i) + ".txt",
                      "content " + std::to_string(i), c.clock.now);
  }
  c.clock.now += 5'000'000'000;
  c.Scan(0);
  const std::int64_t entries = CountEntries(*c[0].index, c[0].folder_key, c[0].local_key);
  REQUIRE(entries == 61);
  FolderEngineConfig config;
  config.folder_key = c[0].folder_key;
  config.folder_id = "shared";
  config.local_device_key = c[0].local_key;
  config.local_short_id = c[0].short_id;
  config.hash_seed = 0x5eed;
  config.index_id = 1000;
  config.index_batch_bytes = 2000;
  FolderEngine engine(c[0].fs, *c[0].index, c.clock, config);
  GateLink gate;
  gate.writable = false;
  REQUIRE(engine.PeerConnected(c[0].keys[1], gate));
  REQUIRE(engine.Receive(c[0].keys[1], FolderHello{"shared", 1001, 0, 0}));
  auto held = gate.Batches();
  REQUIRE(held.size() == 1);  // one batch went, then the engine waited
  std::size_t bytes = 0;
  for (const FileInfo& f : held[0].files) bytes += IndexEntrySizeBound(f);
  CHECK(bytes <= 2000);
  gate.writable = true;
  REQUIRE(engine.PeerWritable(c[0].keys[1]));
  std::int64_t sent = 0;
  for (const IndexBatch& b : gate.Batches()) sent += static_cast<std::int64_t>(b.files.size());
  CHECK(sent == entries);
  CHECK(gate.Batches().size() > 3);
}

}  // namespace shoal

namespace shoal {

TEST_CASE("an index update that changes nothing this device needs wants no pull pass",
          "[sync][engine][index]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.WriteFile("a.txt", "alpha", c.clock.now);
  c.Settle();
  REQUIRE(c[1].fs.Content("a.txt") == "alpha");
  REQUIRE(c[0].engine->Pull());
  CHECK_FALSE(c[0].engine->PullWanted());
  // Device 1 announces again what device 0 already holds (an echo).
  FileInfo echo = c[1].index->GetFile(c[1].folder_key, c[1].local_key, "a.txt").value().value();
  echo.sequence = 1000;
  echo.inode = 0;
  REQUIRE(c[0].engine->Receive(c[0].keys[1], IndexBatch{"shared", 1001, false, {echo}}));
  CHECK_FALSE(c[0].engine->PullWanted());
  // Something new on device 1 is worth a pass.
  c[1].fs.WriteFile("b.txt", "beta", c.clock.now);
  c.clock.now += 5'000'000'000;
  c.Scan(1);
  c.DeliverAll();
  CHECK(c[0].engine->PullWanted());
  REQUIRE(c[0].engine->Pull());
  c.Settle();
  CHECK(c[0].fs.Content("b.txt") == "beta");
}

TEST_CASE(
    "an entry of our own too large for any message is skipped with a logged reason and the "
    "rest is announced in messages under the cap",
    "[sync][engine][index]") {
  EngineCluster c(2);
  // A local file of kMaxFileBlocks + 1 blocks of 4 MiB (1.6 TiB): its entry
  // is over the 8 MiB bound, so no message may carry it.
  FileInfo huge = Entry("huge.bin", c[0].short_id, 5, 1);
  huge.blocks.assign(kMaxFileBlocks + 1, BlockRef{kMaxBlockSize, {}});
  huge.size = BlockListSize(huge.blocks);
  FileInfo small = Entry("small.txt", c[0].short_id, 5, 2);
  std::vector<FileInfo> put{huge, small};
  REQUIRE(c[0].index->PutFiles(c[0].folder_key, c[0].local_key, put));
  GateLink gate;
  REQUIRE(c[0].engine->PeerConnected(c[0].keys[1], gate));
  REQUIRE(c[0].engine->Receive(c[0].keys[1], FolderHello{"shared", 1001, 0, 0}));
  std::vector<std::string> sent;
  for (const IndexBatch& b : gate.Batches()) {
    net::wire::IndexUpdate update;
    update.folder = b.folder;
    update.files = b.files;
    CHECK(net::wire::Encode(update).size() <= net::wire::kMaxMessageBody);
    for (const FileInfo& f : b.files) sent.push_back(f.name);
  }
  CHECK(sent == std::vector<std::string>{"small.txt"});
}

}  // namespace shoal
