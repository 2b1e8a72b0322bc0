// A scan's commits and a peer's index do not wait for the disk
// (DeferredSync); a peer hears of a local entry only once the log holding
// it is synced, so a power loss never takes back a sequence a peer holds.
#include <catch2/catch.hpp>

#include "tests/core/sync/engine_pair.h"
#include "tests/support/sync_counting_vfs.h"

namespace shoal {
namespace {

using testing::EngineCluster;
using testing::QueuedMessage;

std::string Wal(EngineCluster& c, int device) { return c[device].index->db().path() + "-wal"; }

bool CarriesEntries(const QueuedMessage& m) {
  const auto* batch = std::get_if<IndexBatch>(&m.message);
  return batch != nullptr && !batch->files.empty();
}

}  // namespace

TEST_CASE(
    "a scan's commits do not sync the index's log, and a peer is sent their entries only after "
    "one sync",
    "[engine][durability]") {
  testing::SyncCountingVfs vfs;  // outlives the cluster's connections
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  c.Disconnect(0, 1);
  // 2,500 entries: three of the scanner's commits of 1,000.
  for (int i = 0; i < 2500; ++i) {
    c[0].fs.WriteFile("d" + std::to_string(i / 100) + "/f" + std::to_string(i),
                      "content " + std::to_string(i), c.clock.now - 10'000'000'000);
  }
  const int before = vfs.Syncs(Wal(c, 0));
  c.Scan(0);
  CHECK(vfs.Syncs(Wal(c, 0)) == before);
  CHECK(c[0].index->db().sync_pending());

  int sent_with_entries = 0;
  c.on_send = [&](const QueuedMessage& m) {
    if (m.from != 0 || !CarriesEntries(m)) return;
    ++sent_with_entries;
    // Every entry already on disk when a batch leaves.
    CHECK(vfs.Syncs(Wal(c, 0)) > before);
    CHECK_FALSE(c[0].index->db().sync_pending());
  };
  c.Connect(0, 1);
  c.Settle();
  CHECK(sent_with_entries > 0);
  CHECK(c[1].fs.Content("d24/f2499") == "content 2499");
}

TEST_CASE(
    "a peer's index is stored without syncing the log, and the pull's commit still waits for it",
    "[engine][durability]") {
  testing::SyncCountingVfs vfs;
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  for (int i = 0; i < 50; ++i) {
    c[0].fs.WriteFile("f" + std::to_string(i), "content " + std::to_string(i),
                      c.clock.now - 10'000'000'000);
  }
  c.Scan(0);
  const int before = vfs.Syncs(Wal(c, 1));
  bool delivered = false;
  while (!c.queue.empty()) {
    const bool index_to_1 = c.queue.front().to == 1 && CarriesEntries(c.queue.front());
    c.DeliverOne();
    if (index_to_1) {
      delivered = true;
      break;
    }
  }
  REQUIRE(delivered);
  CHECK(vfs.Syncs(Wal(c, 1)) == before);
  CHECK(c[1].index->db().sync_pending());
  c.Settle();
  CHECK(c[1].fs.Content("f49") == "content 49");
  // The pull's commit synced the log (FULL), and announcing the pulled
  // entries synced it again for what was deferred: a pull committed in a
  // deferred scope would leave one sync only.
  CHECK(vfs.Syncs(Wal(c, 1)) >= before + 2);
  CHECK_FALSE(c[1].index->db().sync_pending());
}

}  // namespace shoal
