#include "core/sync/own_writes.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

FileStat Stat(std::int64_t size, std::int64_t mtime_ns, std::uint64_t inode) {
  FileStat st;
  st.size = size;
  st.mtime_ns = mtime_ns;
  st.inode = inode;
  st.permissions = 0644;
  return st;
}

}  // namespace

TEST_CASE("an own write matches only while the disk shows what the puller left", "[sync][own]") {
  OwnWrites own;
  own.Record("a", Stat(10, 5, 1), 0);
  own.Record("gone", std::nullopt, 0);
  CHECK(own.Matches("a", Stat(10, 5, 1), 1));  // the rename's event
  CHECK(own.Matches("a", Stat(10, 5, 1), 2));  // and the next one about it
  CHECK(own.Matches("gone", std::nullopt, 2));
  CHECK_FALSE(own.Matches("never", Stat(1, 1, 1), 2));
  CHECK_FALSE(own.Matches("a", Stat(11, 6, 1), 3));  // the user wrote to it
  CHECK_FALSE(own.Matches("a", Stat(10, 5, 1), 4));  // forgotten: scanned from now on
  CHECK_FALSE(own.Matches("gone", Stat(1, 1, 2), 4));
}

TEST_CASE("own writes are forgotten after a while", "[sync][own]") {
  OwnWrites own;
  own.Record("a", Stat(10, 5, 1), 0);
  own.Record("b", Stat(10, 5, 2), kOwnWriteMemoryNanos);
  CHECK_FALSE(own.Matches("a", Stat(10, 5, 1), kOwnWriteMemoryNanos + 1));
  CHECK(own.Matches("b", Stat(10, 5, 2), kOwnWriteMemoryNanos + 1));
  CHECK(own.size() == 1);
}

TEST_CASE("what the puller wrote to a real disk is its own write until someone else writes",
          "[sync][own]") {
  testing::EngineCluster c(2, {}, /*on_disk=*/{1});
  c.Connect(0, 1);
  c[0].fs.WriteFile("docs/a.txt", "alpha", c.clock.now);
  c[0].fs.WriteFile("b.txt", "beta", c.clock.now);
  c.Settle();
  FolderEngine& receiver = *c[1].engine;
  CHECK(receiver.IsOwnWrite("docs"));
  CHECK(receiver.IsOwnWrite("docs/a.txt"));
  CHECK(receiver.IsOwnWrite("b.txt"));
  CHECK_FALSE(receiver.IsOwnWrite("never-there.txt"));
  // The user edits one: it is a local change again.
  std::ofstream(c[1].root + "/b.txt", std::ios::binary | std::ios::app) << ", edited here";
  CHECK_FALSE(receiver.IsOwnWrite("b.txt"));
  CHECK(receiver.IsOwnWrite("docs/a.txt"));
  // A deletion the peer made is the puller's own too.
  REQUIRE(c[0].fs.RemoveFile("docs/a.txt"));
  c.Settle();
  CHECK(receiver.IsOwnWrite("docs/a.txt"));
}

}  // namespace shoal
