// Schema v8: block locations without a foreign key, kept exact through each
// file's old block list; peers' rows without sequences (docs/storage.md
// "Schema v8").
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/store/index.h"
#include "core/store/schema.h"
#include "tests/support/sqlite_inspect.h"
#include "tests/support/store_fixture.h"

namespace shoal {
namespace {

using testing::MakeHash;
using testing::Scalar;

// hash (hex), file row, offset, size
using Location = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t>;

FileInfo MakeFile(const std::string& name, const std::vector<std::uint64_t>& block_seeds) {
  FileInfo f;
  f.name = name;
  f.permissions = 0644;
  f.mtime_ns = 1700000000123456789;
  f.version.Set(0x0101010101010101ull, 1);
  f.sequence = 1;
  for (auto s : block_seeds) {
    f.blocks.push_back(BlockRef{static_cast<std::uint32_t>(100 + s * 7), MakeHash(s)});
  }
  f.size = BlockListSize(f.blocks);
  return f;
}

std::set<Location> StoredLocations(Index& index) {
  auto stmt = index.db().Prepare("SELECT hash, file, offset, size FROM block_locations");
  REQUIRE(stmt);
  std::set<Location> out;
  while ((*stmt)->Step().value()) {
    auto hash = Hash128::FromBytes((*stmt)->ColumnBlob(0));
    REQUIRE(hash);
    out.emplace(hash->ToHex(), (*stmt)->ColumnInt(1), (*stmt)->ColumnInt(2), (*stmt)->ColumnInt(3));
  }
  (*stmt)->Reset();
  return out;
}

// What the locations must be: every block of every live local file.
std::set<Location> ExpectedLocations(Index& index, DeviceKey local) {
  std::vector<std::tuple<std::int64_t, FolderKey, std::string>> rows;
  {
    auto stmt = index.db().Prepare("SELECT id, folder, name FROM files WHERE device = ?1");
    REQUIRE(stmt);
    (*stmt)->Bind(1, local.value);
    while ((*stmt)->Step().value()) {
      rows.emplace_back((*stmt)->ColumnInt(0), FolderKey((*stmt)->ColumnInt(1)),
                        (*stmt)->ColumnText(2));
    }
    (*stmt)->Reset();
  }
  std::set<Location> out;
  for (const auto& [id, folder, name] : rows) {
    FileInfo f = index.GetFile(folder, local, name).value().value();
    if (f.deleted || f.type != FileType::kFile) continue;
    std::int64_t offset = 0;
    for (const BlockRef& b : f.blocks) {
      out.emplace(b.hash.ToHex(), id, offset, b.size);
      offset += b.size;
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "block locations are exactly the blocks of the live local files, over seeded random "
    "edits, type changes, deletions and a folder's removal",
    "[store][index][property]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    testing::StoreFixture fx;
    const FolderKey other = fx.index.AddFolder({{}, "other", "/data/other", ""}).value().key;
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    for (int step = 0; step < 150; ++step) {
      INFO("step " << step);
      const FolderKey folder = pick(3) == 0 ? other : fx.folder.key;
      const DeviceKey device = pick(6) == 0 ? fx.peer : fx.local;
      const std::string name = "n" + std::to_string(pick(12));
      const std::uint64_t what = pick(8);
      if (what == 0) {
        std::vector<std::string> gone{name};
        REQUIRE(fx.index.DeleteFiles(folder, device, gone));
      } else {
        // Seeds from a pool of five, so blocks recur within and across files.
        std::vector<std::uint64_t> seeds;
        const std::uint64_t count = pick(4);
        for (std::uint64_t b = 0; b < count; ++b) seeds.push_back(1 + pick(5));
        FileInfo f = MakeFile(name, seeds);
        f.mtime_ns += static_cast<std::int64_t>(step);  // a metadata change alone, at times
        if (what == 1) {
          f.deleted = true;
        } else if (what == 2) {
          f.type = FileType::kDirectory;
          f.blocks.clear();
          f.size = 0;
        }
        f.sequence = step + 1;
        std::vector<FileInfo> batch{f};
        REQUIRE(fx.index.PutFiles(folder, device, batch));
      }
      REQUIRE(StoredLocations(fx.index) == ExpectedLocations(fx.index, fx.local));
    }
    REQUIRE(fx.index.RemoveFolder(other));
    CHECK(StoredLocations(fx.index) == ExpectedLocations(fx.index, fx.local));
    CHECK(Scalar(fx.index,
                 "SELECT count(*) FROM block_locations WHERE file NOT IN (SELECT id FROM files)") ==
          0);
  }
}

TEST_CASE(
    "a v7 store drops the locations' foreign key and by-file index and the peers' sequences "
    "when opened, and reads back the same",
    "[store][index][migration]") {
  testing::StoreFixture fx;
  std::vector<FileInfo> mine;
  std::vector<FileInfo> theirs;
  for (int i = 0; i < 30; ++i) {
    const auto n = static_cast<std::uint64_t>(i);
    mine.push_back(MakeFile("f" + std::to_string(i), {1 + n % 4, 10 + n}));
    theirs.push_back(MakeFile("f" + std::to_string(i), {50 + n}));
    theirs.back().version.Set(0x0202020202020202ull, 9);
    theirs.back().sequence = 100 + i;
  }
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, mine));
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, theirs));
  const std::set<Location> locations = StoredLocations(fx.index);
  REQUIRE(locations.size() == 60);
  const std::vector<std::string> needed = fx.NeededNames();
  REQUIRE(needed.size() == 30);
  const std::string path = fx.path;
  const DeviceKey local = fx.local;
  const DeviceKey peer = fx.peer;
  const FolderKey folder = fx.folder.key;

  testing::ExecSql(path, testing::kUndoSchemaV8);
  REQUIRE_THAT(testing::IndexNames(path), Catch::Contains("block_locations_by_file"));
  Index reopened = Index::Open(path).value();
  CHECK_THAT(testing::IndexNames(path), !Catch::Contains("block_locations_by_file"));
  CHECK(Scalar(reopened, "SELECT count(*) FROM pragma_foreign_key_list('block_locations')") == 0);
  CHECK(Scalar(reopened,
               "SELECT count(*) FROM sqlite_schema WHERE name = 'files_by_sequence' "
               "AND sql LIKE '%WHERE sequence > 0'") == 1);
  CHECK(StoredLocations(reopened) == locations);
  CHECK(Scalar(reopened, "SELECT count(*) FROM files WHERE device = 2 AND sequence != 0") == 0);
  std::vector<std::int64_t> sequences;
  REQUIRE(reopened.ForEachSince(folder, local, 0, [&](FileInfo&& f) {
    sequences.push_back(f.sequence);
    return true;
  }));
  CHECK(sequences.size() == 30);
  CHECK(std::is_sorted(sequences.begin(), sequences.end()));
  for (const FileInfo& f : theirs) {
    auto got = reopened.GetFile(folder, peer, f.name).value();
    REQUIRE(got);
    CHECK(got->blocks == f.blocks);
  }
  auto needed_after = reopened.ListNeeded(folder, "", 1000).value();
  CHECK(needed_after.size() == needed.size());
}

TEST_CASE("the local index is read since a sequence through its partial index", "[store][index]") {
  testing::StoreFixture fx;
  const std::string plan = testing::QueryPlan(fx.path, sql::kSelectFilesSince);
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("files_by_sequence"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE(
    "editing or deleting a local file costs the same at any folder size: its locations go by "
    "seek, not by a scan",
    "[store][index][linearity]") {
  auto cost_of_changes = [](int filler) {
    testing::StoreFixture fx;
    std::vector<FileInfo> rows;
    for (int i = 0; i < filler; ++i) {
      const auto n = static_cast<std::uint64_t>(i);
      rows.push_back(MakeFile("filler" + std::to_string(i), {1000 + n, 100000 + n}));
    }
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, rows));
    std::vector<FileInfo> changed;
    std::vector<std::string> names;
    for (std::uint64_t i = 0; i < 10; ++i) {
      changed.push_back(MakeFile("c" + std::to_string(i), {i, i + 20}));
      names.push_back(changed.back().name);
    }
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, changed));
    for (std::uint64_t i = 0; i < 10; ++i) changed[i] = MakeFile(names[i], {i, i + 40});
    const std::int64_t before = fx.index.db().VmSteps();
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, changed));
    REQUIRE(fx.index.DeleteFiles(fx.folder.key, fx.local, names));
    const std::int64_t steps = fx.index.db().VmSteps() - before;
    REQUIRE(Scalar(fx.index, "SELECT count(*) FROM block_locations") == 2 * filler);
    return steps;
  };
  const std::int64_t small = cost_of_changes(200);
  const std::int64_t large = cost_of_changes(4000);
  INFO("VM steps for 10 edits and 10 deletions beside 200 files: " << small
                                                                   << ", beside 4,000: " << large);
  CHECK(large < small * 3 / 2);
}

}  // namespace shoal
