#include "core/store/need_journal.h"

#include <catch2/catch.hpp>

#include "core/store/index.h"
#include "core/store/transaction.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::MakeDeviceId;

FileInfo PeerEntry(const std::string& name, std::int64_t sequence, bool deleted = false) {
  FileInfo f;
  f.name = name;
  f.size = deleted ? 0 : 10;
  f.deleted = deleted;
  f.version.Set(2, static_cast<std::uint64_t>(sequence));
  f.sequence = sequence;
  return f;
}

}  // namespace

TEST_CASE("the need journal hands over each changed name once, with its needed version",
          "[store][need]") {
  testing::TempDir dir;
  Index index = Index::Open(dir.File("index.db")).value();
  index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
  const DeviceKey peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
  const FolderKey folder = index.AddFolder({{}, "a", "/data/a", ""}).value().key;
  std::vector<FileInfo> unwatched{PeerEntry("before", 1)};
  REQUIRE(index.PutFiles(folder, peer, unwatched));
  CHECK(index.TakeNeedChanges(folder).names.empty());  // not watched yet

  index.WatchNeed(folder);
  std::vector<FileInfo> batch{PeerEntry("x", 2), PeerEntry("y", 3)};
  REQUIRE(index.PutFiles(folder, peer, batch));
  NeedChanges changes = index.TakeNeedChanges(folder);
  CHECK_FALSE(changes.reset);
  REQUIRE(changes.names.size() == 2);
  REQUIRE(changes.names["x"]);
  CHECK(changes.names["x"]->size == 10);
  CHECK(changes.names["x"]->version == batch[0].version);
  CHECK(index.TakeNeedChanges(folder).names.empty());  // handed over once

  // The local device catching up: "x" is no longer needed.
  std::vector<FileInfo> local{batch[0]};
  local[0].sequence = 0;
  const DeviceKey here = index.LocalDeviceKey().value();
  REQUIRE(index.PutFiles(folder, here, local));
  changes = index.TakeNeedChanges(folder);
  REQUIRE(changes.names.count("x"));
  CHECK_FALSE(changes.names["x"].has_value());
}

TEST_CASE("a journal past its cap, or any rolled-back transaction, says start over",
          "[store][need]") {
  testing::TempDir dir;
  Index index = Index::Open(dir.File("index.db")).value();
  index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
  const DeviceKey peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
  const FolderKey folder = index.AddFolder({{}, "a", "/data/a", ""}).value().key;
  index.WatchNeed(folder, 3);
  std::vector<FileInfo> batch;
  for (int i = 0; i < 4; ++i) batch.push_back(PeerEntry("f" + std::to_string(i), i + 1));
  REQUIRE(index.PutFiles(folder, peer, batch));
  NeedChanges changes = index.TakeNeedChanges(folder);
  CHECK(changes.reset);
  CHECK(changes.names.empty());

  {
    auto tx = Transaction::Begin(index.db());
    REQUIRE(tx);
    std::vector<FileInfo> one{PeerEntry("g", 9)};
    REQUIRE(index.PutFiles(folder, peer, one));
  }  // rolled back: "g" was recorded but never written
  changes = index.TakeNeedChanges(folder);
  CHECK(changes.reset);
  CHECK_FALSE(index.GetNeeded(folder, "g").value().has_value());

  {  // A nested transaction rolled back inside one that commits.
    auto outer = Transaction::Begin(index.db());
    REQUIRE(outer);
    {
      auto inner = Transaction::Begin(index.db());
      REQUIRE(inner);
      std::vector<FileInfo> one{PeerEntry("h", 10)};
      REQUIRE(index.PutFiles(folder, peer, one));
    }
    REQUIRE(outer->Commit());
  }
  changes = index.TakeNeedChanges(folder);
  CHECK(changes.reset);
  CHECK_FALSE(index.GetNeeded(folder, "h").value().has_value());
  CHECK(index.GetNeeded(folder, "f1").value().has_value());
}

}  // namespace shoal
