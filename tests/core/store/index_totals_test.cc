// Folder totals (files, bytes, need) are kept by triggers as rows change;
// these tests hold them equal to a count over the rows themselves after
// any sequence of changes, and across the migration that introduced them.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "core/store/index.h"
#include "tests/support/sqlite_inspect.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::ExecSql;
using testing::MakeDeviceId;

// The reference: what the totals must be, counted the slow way.
LiveTotals CountedLive(const std::map<std::string, FileInfo>& held) {
  LiveTotals t;
  for (const auto& [name, f] : held) {
    if (f.deleted) continue;
    if (f.type == FileType::kFile) {
      t.files++;
      t.bytes += f.size;
    } else if (f.type == FileType::kDirectory) {
      t.directories++;
    } else {
      t.symlinks++;
    }
  }
  return t;
}

NeedTotals CountedNeed(Index& index, FolderKey folder) {
  NeedTotals t;
  std::string after;
  for (;;) {
    auto page = index.ListNeeded(folder, after, 500);
    REQUIRE(page);
    for (const GlobalFile& g : *page) {
      t.names++;
      if (!g.file.deleted && g.file.type == FileType::kFile) t.bytes += g.file.size;
      after = g.file.name;
    }
    if (page->size() < 500) return t;
  }
}

void CheckTotals(Index& index, FolderKey folder, DeviceKey device,
                 const std::map<std::string, FileInfo>& held) {
  LiveTotals want = CountedLive(held);
  LiveTotals got = index.CountLive(folder, device).value();
  CHECK(got.files == want.files);
  CHECK(got.directories == want.directories);
  CHECK(got.symlinks == want.symlinks);
  CHECK(got.bytes == want.bytes);
}

void CheckNeed(Index& index, FolderKey folder) {
  NeedTotals want = CountedNeed(index, folder);
  NeedTotals got = index.CountNeeded(folder).value();
  CHECK(got.names == want.names);
  CHECK(got.bytes == want.bytes);
}

FileInfo RandomEntry(std::mt19937_64& rng, const std::string& name, std::int64_t sequence) {
  FileInfo f;
  f.name = name;
  f.type = static_cast<FileType>(rng() % 3);
  f.deleted = rng() % 5 == 0;
  f.size = f.type == FileType::kDirectory ? 0 : static_cast<std::int64_t>(rng() % 100000);
  f.mtime_ns = static_cast<std::int64_t>(rng() % 4);
  for (std::uint64_t d = 1; d <= 3; ++d) {
    if (rng() % 2) f.version.Set(d, 1 + rng() % 4);
  }
  if (f.version.empty()) f.version.Set(1, 1);
  f.sequence = sequence;
  if (f.type == FileType::kSymlink) f.symlink_target = "t" + std::to_string(rng() % 3);
  return f;
}

}  // namespace

TEST_CASE("folder totals equal a count over the rows after random changes, removals included",
          "[store][totals][property]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4);
  INFO("seed " << seed);
  testing::TempDir dir;
  Index index = Index::Open(dir.File("index.db")).value();
  std::vector<DeviceKey> devices{
      index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value(),
      index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value(),
      index.PutDevice({{}, MakeDeviceId(3), "third", "", false, false}).value()};
  std::vector<FolderKey> folders{index.AddFolder({{}, "a", "/data/a", ""}).value().key,
                                 index.AddFolder({{}, "b", "/data/b", ""}).value().key};
  // held[folder][device][name]
  std::map<FolderKey, std::map<DeviceKey, std::map<std::string, FileInfo>>> held;
  std::map<DeviceKey, std::int64_t> sequence;
  std::mt19937_64 rng(seed);
  for (int step = 0; step < 800; ++step) {
    const FolderKey folder = folders[rng() % folders.size()];
    const DeviceKey device = devices[rng() % devices.size()];
    const std::string name = "f" + std::to_string(rng() % 20);
    const auto roll = rng() % 100;
    if (roll < 8) {
      std::vector<std::string> names{name};
      REQUIRE(index.DeleteFiles(folder, device, names));
      held[folder][device].erase(name);
    } else if (roll == 8 && device != devices[0]) {
      // A device removed and paired again: its rows go by cascade.
      REQUIRE(index.RemoveDevice(device));
      for (auto& [f, by_device] : held) by_device.erase(device);
      const std::uint8_t tag = device == devices[1] ? 2 : 3;
      const DeviceKey again =
          index.PutDevice({{}, MakeDeviceId(tag), "again", "", false, false}).value();
      std::replace(devices.begin(), devices.end(), device, again);
    } else {
      std::vector<FileInfo> batch;
      const int count = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < count; ++i) {
        batch.push_back(RandomEntry(rng, "f" + std::to_string(rng() % 20), ++sequence[device]));
      }
      REQUIRE(index.PutFiles(folder, device, batch));
      for (const FileInfo& f : batch) held[folder][device][f.name] = f;
    }
    if (step % 40 == 39) {
      for (FolderKey f : folders) {
        for (DeviceKey d : devices) CheckTotals(index, f, d, held[f][d]);
        CheckNeed(index, f);
      }
    }
  }
  for (FolderKey f : folders) {
    for (DeviceKey d : devices) CheckTotals(index, f, d, held[f][d]);
    CheckNeed(index, f);
  }
  // A removed folder leaves no totals behind for one added later.
  REQUIRE(index.RemoveFolder(folders[0]));
  const FolderKey fresh = index.AddFolder({{}, "c", "/data/c", ""}).value().key;
  CHECK(index.CountLive(fresh, devices[0]).value().files == 0);
  CHECK(index.CountNeeded(fresh).value().names == 0);
}

TEST_CASE("a store from before the totals gets them counted when it is opened",
          "[store][totals][migration]") {
  testing::TempDir dir;
  const std::string path = dir.File("index.db");
  FolderKey folder;
  DeviceKey local, peer;
  std::map<std::string, FileInfo> held_local;
  {
    Index index = Index::Open(path).value();
    local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
    peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
    folder = index.AddFolder({{}, "a", "/data/a", ""}).value().key;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 60; ++i) {
      std::vector<FileInfo> batch{RandomEntry(rng, "f" + std::to_string(i % 30), i + 1)};
      const DeviceKey device = i % 2 ? peer : local;
      REQUIRE(index.PutFiles(folder, device, batch));
      if (device == local) held_local[batch[0].name] = batch[0];
    }
  }
  {
    // Back to schema v3 as an older Shoal left it.
    const char* downgrade =
        "DROP TRIGGER files_totals_insert; DROP TRIGGER files_totals_delete;"
        "DROP TRIGGER files_totals_update; DROP TRIGGER global_need_insert;"
        "DROP TRIGGER global_need_delete; DROP TRIGGER global_need_update;"
        "DROP TABLE file_totals; DROP TABLE need_totals;"
        "ALTER TABLE global DROP COLUMN size; DROP INDEX global_conflict_copies;"
        "PRAGMA user_version = 3;";
    ExecSql(path, testing::kUndoSchemaV7);
    ExecSql(path, downgrade);
  }
  Index index = Index::Open(path).value();
  CheckTotals(index, folder, local, held_local);
  CheckNeed(index, folder);
  CHECK(index.CountNeeded(folder).value().names > 0);
}

}  // namespace shoal
