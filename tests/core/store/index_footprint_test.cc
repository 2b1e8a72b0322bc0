// What the index keeps per file: each name once in its files row and once in
// the unique index, not again in an index of its own (docs/storage.md
// "Schema v6") nor in a global table (Schema v9). Every device's row of a
// name, and the global rows in name order, are ranges of the unique index.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/store/index.h"
#include "core/store/schema.h"
#include "tests/support/sqlite_inspect.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::ExecSql;
using testing::IndexNames;
using testing::MakeDeviceId;
using testing::QueryPlan;

FileInfo Entry(const std::string& name, std::uint64_t device, std::uint64_t counter,
               std::int64_t sequence) {
  FileInfo f;
  f.name = name;
  f.type = FileType::kFile;
  f.size = 10;
  f.mtime_ns = static_cast<std::int64_t>(counter);
  f.version.Set(device, counter);
  f.sequence = sequence;
  return f;
}

// Three devices hold 500 names; the third device holds the newest version
// of every fifth name.
struct Store {
  testing::TempDir dir;
  std::string path = dir.File("index.db");
  FolderKey folder;
  DeviceKey third;

  void Fill() {
    Index index = Index::Open(path).value();
    std::vector<DeviceKey> devices;
    for (std::uint64_t d = 1; d <= 3; ++d) {
      devices.push_back(
          index.PutDevice({{}, MakeDeviceId(d), "d" + std::to_string(d), "", d == 1, false})
              .value());
    }
    third = devices[2];
    folder = index.AddFolder({{}, "docs", "/data/docs", ""}).value().key;
    for (std::size_t d = 0; d < devices.size(); ++d) {
      std::vector<FileInfo> batch;
      for (int i = 0; i < 500; ++i) {
        const bool newest = d == 2 && i % 5 == 0;
        batch.push_back(Entry("n" + std::to_string(i), newest ? 3 : 1, newest ? 9 : 1, i + 1));
      }
      REQUIRE(index.PutFiles(folder, devices[d], batch));
    }
  }

  void CheckGlobal() {
    Index index = Index::Open(path).value();
    for (int i = 0; i < 500; ++i) {
      auto global = index.GetGlobal(folder, "n" + std::to_string(i)).value();
      REQUIRE(global);
      CHECK(global->file.version.Get(3) == (i % 5 == 0 ? 9u : 0u));
      if (i % 5 == 0) CHECK(global->device_key == third);
    }
    auto needed = index.ListNeeded(folder, "", 1000).value();
    CHECK(needed.size() == 100);
  }
};

}  // namespace

TEST_CASE(
    "every device's row of a name is one range of the unique index and no other table or "
    "index keeps the name",
    "[store][global]") {
  Store store;
  store.Fill();
  store.CheckGlobal();
  const std::string plan = QueryPlan(store.path, sql::kSelectVersionsOfName);
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("sqlite_autoindex_files_1 (folder=? AND name=?)"));
  CHECK_THAT(plan, !Catch::Contains("SCAN files"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  CHECK_THAT(IndexNames(store.path), !Catch::Contains("files_by_name"));
  CHECK(testing::TableNames(store.path) ==
        "block_lists\nblock_locations\ndevices\nfile_totals\nfiles\nfolder_shares\nfolders\n"
        "need_totals\npeer_index_state\n");
}

TEST_CASE("the global, need and per-device name queries seek an index and sort nothing",
          "[store][global]") {
  Store store;
  store.Fill();
  const std::pair<const char*, const char*> queries[] = {
      {"kSelectGlobal", sql::kSelectGlobal},
      {"kSelectGlobalRange", sql::kSelectGlobalRange},
      {"kSelectGlobalVersion", sql::kSelectGlobalVersion},
      {"kSelectLiveGlobalUnder", sql::kSelectLiveGlobalUnder},
      {"kSelectNeeded", sql::kSelectNeeded},
      {"kSelectNeededOne", sql::kSelectNeededOne},
      {"kSelectNeededNames", sql::kSelectNeededNames},
      {"kSelectMetadataRange", sql::kSelectMetadataRange},
      {"kSelectMetadataAfter", sql::kSelectMetadataAfter},
      {"kSelectFile", sql::kSelectFile},
  };
  for (const auto& [name, query] : queries) {
    const std::string plan = QueryPlan(store.path, query);
    INFO(name << ":\n" << plan);
    CHECK_THAT(plan, Catch::Contains("SEARCH f") || Catch::Contains("SEARCH files"));
    CHECK_THAT(plan, !Catch::Contains("SCAN"));
    CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  }
  // The need list is its own partial index, holding only the needed rows.
  CHECK_THAT(QueryPlan(store.path, sql::kSelectNeededNames), Catch::Contains("files_needed"));
  CHECK_THAT(QueryPlan(store.path, sql::kSelectNeeded), Catch::Contains("files_needed"));
}

TEST_CASE(
    "a v8 store folds its global table into the files rows when opened, keeps every global "
    "version, need and total, and is compacted",
    "[store][global][migration]") {
  Store store;
  store.Fill();
  NeedTotals before;
  {
    Index index = Index::Open(store.path).value();
    before = index.CountNeeded(store.folder).value();
  }
  CHECK(before.names == 100);
  ExecSql(store.path, testing::kUndoSchemaV9);
  REQUIRE_THAT(testing::TableNames(store.path), Catch::Contains("global"));
  store.CheckGlobal();  // opens, and so migrates
  CHECK_THAT(testing::TableNames(store.path), !Catch::Contains("global"));
  // The rebuild freed the old tables' pages; the upgraded store is compacted.
  CHECK(testing::FreePages(store.path) == "0\n");
  Index index = Index::Open(store.path).value();
  const NeedTotals after = index.CountNeeded(store.folder).value();
  CHECK(after.names == before.names);
  CHECK(after.bytes == before.bytes);
  CHECK(after.bytes == 100 * 10);
  // Every name has exactly one global row.
  std::int64_t globals = 0;
  REQUIRE(index.ForEachGlobal(store.folder, [&](GlobalFile&&) {
    ++globals;
    return true;
  }));
  CHECK(globals == 500);
}

TEST_CASE(
    "a store from before v6 drops its second name index when opened and keeps its global "
    "state",
    "[store][global][migration]") {
  Store store;
  store.Fill();
  ExecSql(store.path, testing::kUndoSchemaV7);
  ExecSql(store.path,
          "CREATE INDEX files_by_name ON files(folder, name, device); PRAGMA user_version = 5;");
  REQUIRE_THAT(IndexNames(store.path), Catch::Contains("files_by_name"));
  store.CheckGlobal();  // opens, and so migrates
  CHECK_THAT(IndexNames(store.path), !Catch::Contains("files_by_name"));
}

}  // namespace shoal
