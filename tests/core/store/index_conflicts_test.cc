// Conflict copies are listed from a partial index of their own, so listing
// them costs what there is of them, not the folder's size; a store from
// before the index gets it when opened.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/store/index.h"
#include "core/store/schema.h"
#include "core/version/conflict.h"
#include "tests/support/sqlite_inspect.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::ExecSql;
using testing::IndexNames;
using testing::MakeDeviceId;
using testing::QueryPlan;

FileInfo Entry(const std::string& name, std::int64_t sequence, bool deleted = false) {
  FileInfo f;
  f.name = name;
  f.type = FileType::kFile;
  f.deleted = deleted;
  f.size = deleted ? 0 : 10;
  f.version.Set(1, static_cast<std::uint64_t>(sequence));
  f.sequence = sequence;
  return f;
}

}  // namespace

TEST_CASE("conflict copies are listed from their own index whatever the folder's size",
          "[store][conflict]") {
  testing::TempDir dir;
  const std::string path = dir.File("index.db");
  const std::string copy_a = ConflictCopyName("a/report.pdf", 1'000'000'000, 0xabc);
  const std::string copy_b = ConflictCopyName("notes.txt", 2'000'000'000, 0xdef);
  const std::string gone = ConflictCopyName("old.txt", 3'000'000'000, 0xabc);
  const std::string lookalike = "my.sync-conflict-notes.txt";  // matched; callers check
  {
    Index index = Index::Open(path).value();
    const DeviceKey local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
    const FolderKey folder = index.AddFolder({{}, "a", "/data/a", ""}).value().key;
    const FolderKey other = index.AddFolder({{}, "b", "/data/b", ""}).value().key;
    std::vector<FileInfo> batch;
    std::int64_t sequence = 0;
    for (int i = 0; i < 3000; ++i) batch.push_back(Entry("f" + std::to_string(i), ++sequence));
    for (const std::string& name : {copy_a, copy_b, lookalike}) {
      batch.push_back(Entry(name, ++sequence));
    }
    batch.push_back(Entry(gone, ++sequence, /*deleted=*/true));
    REQUIRE(index.PutFiles(folder, local, batch));
    std::vector<FileInfo> elsewhere{Entry(copy_b, 1)};
    REQUIRE(index.PutFiles(other, local, elsewhere));

    auto names = index.ConflictCopyNames(folder);
    REQUIRE(names);
    std::vector<std::string> want{copy_a, copy_b, gone, lookalike};
    std::sort(want.begin(), want.end());
    CHECK(*names == want);
    CHECK(index.ConflictCopyNames(other).value() == std::vector<std::string>{copy_b});
  }
  // The planner reads the partial index, never the folder's rows.
  const std::string plan = QueryPlan(path, sql::kSelectConflictCopies);
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("files_conflict_copies"));
  CHECK_THAT(plan, !Catch::Contains("SCAN"));
}

TEST_CASE("a store from before the conflict index gets it when opened",
          "[store][conflict][migration]") {
  testing::TempDir dir;
  const std::string path = dir.File("index.db");
  const std::string copy = ConflictCopyName("x.txt", 1'000'000'000, 0xabc);
  FolderKey folder;
  {
    Index index = Index::Open(path).value();
    const DeviceKey local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
    folder = index.AddFolder({{}, "a", "/data/a", ""}).value().key;
    std::vector<FileInfo> batch{Entry("x.txt", 1), Entry(copy, 2)};
    REQUIRE(index.PutFiles(folder, local, batch));
  }
  ExecSql(path, testing::kUndoSchemaV7);
  ExecSql(path, "DROP INDEX global_conflict_copies; PRAGMA user_version = 4;");
  CHECK_THAT(IndexNames(path), !Catch::Contains("conflict"));
  Index index = Index::Open(path).value();
  CHECK(index.ConflictCopyNames(folder).value() == std::vector<std::string>{copy});
  // v5 made the index on the global table; v9 moved it onto files.
  CHECK_THAT(QueryPlan(path, sql::kSelectConflictCopies), Catch::Contains("files_conflict_copies"));
}

}  // namespace shoal
