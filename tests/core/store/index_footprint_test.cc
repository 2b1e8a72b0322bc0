// What the index keeps per file: each name once in the files table and once
// in its unique index, not a third time in an index of its own. Every
// device's row of a name is found by one seek per device into the unique
// index (docs/storage.md "Schema v6").
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
    "every device's row of a name is found by one seek per device and no second name "
    "index is kept",
    "[store][global]") {
  Store store;
  store.Fill();
  store.CheckGlobal();
  const std::string plan = QueryPlan(store.path, sql::kSelectVersionsOfName);
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("sqlite_autoindex_files_1 (folder=? AND device=? AND name=?)"));
  CHECK_THAT(plan, !Catch::Contains("SCAN files"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  CHECK_THAT(IndexNames(store.path), !Catch::Contains("files_by_name"));
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
