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

TEST_CASE("a burst of own writes is forgotten by Expire alone once no more come", "[sync][own]") {
  OwnWrites own;
  CHECK_FALSE(own.NextExpiryNanos().has_value());
  for (int i = 0; i < 50'000; ++i) own.Record("f" + std::to_string(i), Stat(1, 1, i), i);
  own.Record("f7", Stat(2, 2, 7), 100'000);  // written again later: kept longer
  CHECK(own.size() == 50'000);
  CHECK(own.NextExpiryNanos() == kOwnWriteMemoryNanos);
  // Nothing more is recorded or matched: only Expire, on a timer, forgets.
  // Names recorded at 0..499 are due; f7's first record was superseded.
  own.Expire(kOwnWriteMemoryNanos + 500);
  CHECK(own.size() == 50'000 - 500 + 1);
  own.Expire(kOwnWriteMemoryNanos + 50'000);
  CHECK(own.size() == 1);  // f7, rewritten at 100,000
  CHECK(own.NextExpiryNanos() == 100'000 + kOwnWriteMemoryNanos);
  own.Expire(kOwnWriteMemoryNanos + 100'001);
  CHECK(own.size() == 0);
  CHECK_FALSE(own.NextExpiryNanos().has_value());
  // And it works as before afterwards.
  own.Record("new", Stat(3, 3, 3), 2 * kOwnWriteMemoryNanos);
  CHECK(own.Matches("new", Stat(3, 3, 3), 2 * kOwnWriteMemoryNanos + 1));
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

TEST_CASE(
    "a user's write between the puller's rename and its commit is not taken for the puller's "
    "own",
    "[sync][own]") {
  // The state recorded for a placed file is the one right after its
  // rename. Stat it again after the pass, and a write landing in between
  // would be recorded as the puller's, and its events never scanned.
  std::string* receiver_root = nullptr;
  bool written = false;
  PullerConfig pull;
  pull.fault = [&](PullStep step) -> Result<void> {
    if (step == PullStep::kBeforeCommit && receiver_root && !written) {
      written = true;
      std::ofstream(*receiver_root + "/b.txt", std::ios::binary | std::ios::app) << ", mine";
    }
    return {};
  };
  testing::EngineCluster c(2, pull, /*on_disk=*/{1});
  receiver_root = &c[1].root;
  c.Connect(0, 1);
  c[0].fs.WriteFile("a.txt", "alpha", c.clock.now);
  c[0].fs.WriteFile("b.txt", "beta", c.clock.now);
  c.Settle();
  REQUIRE(written);
  FolderEngine& receiver = *c[1].engine;
  CHECK(receiver.IsOwnWrite("a.txt"));
  CHECK_FALSE(receiver.IsOwnWrite("b.txt"));
}

}  // namespace shoal
