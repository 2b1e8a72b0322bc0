// Schema v7: a one-block list lives in its files row, a longer list in a
// shared block_lists row (docs/storage.md "Schema v7").
#include <xxhash.h>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/store/index.h"
#include "tests/support/sqlite_inspect.h"
#include "tests/support/store_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::MakeDeviceId;
using testing::MakeHash;
using testing::Scalar;

FileInfo MakeFile(const std::string& name, const std::vector<std::uint64_t>& block_seeds,
                  std::int64_t sequence) {
  FileInfo f;
  f.name = name;
  f.permissions = 0644;
  f.mtime_ns = 1700000000123456789;
  f.version.Set(0x0101010101010101ull, static_cast<std::uint64_t>(sequence));
  f.sequence = sequence;
  // Sizes up to 3 MiB: a size varint of 1 to 4 bytes.
  for (auto s : block_seeds) {
    f.blocks.push_back(
        BlockRef{static_cast<std::uint32_t>(1 + (s * 977'123) % (3u << 20)), MakeHash(s)});
  }
  f.size = BlockListSize(f.blocks);
  return f;
}

// Where each list is kept, and that every shared list is counted right.
void CheckListPlacement(Index& index) {
  INFO("a one-block list in block_lists, or a longer one in a files row");
  CHECK(Scalar(index, "SELECT count(*) FROM block_lists WHERE length(blocks) <= 20") == 0);
  CHECK(Scalar(index,
               "SELECT count(*) FROM files WHERE blocks IS NOT NULL AND "
               "(block_list IS NOT NULL OR length(blocks) > 20)") == 0);
  INFO("a shared list whose refs do not count the rows pointing at it");
  CHECK(Scalar(index,
               "SELECT count(*) FROM block_lists b WHERE refs = 0 OR refs != "
               "(SELECT count(*) FROM files f WHERE f.block_list = b.id)") == 0);
}

using Fixture = testing::StoreFixture;

}  // namespace

TEST_CASE(
    "a one-block list is kept in its row and a longer one is shared, and every file reads "
    "back as put, over seeded random puts and deletes",
    "[store][index][property]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    Fixture fx;
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    // What each device's row of each name should hold; nullopt = no row.
    std::map<std::pair<std::int64_t, std::string>, std::optional<FileInfo>> model;
    std::int64_t next_sequence = 1;
    for (int step = 0; step < 120; ++step) {
      INFO("step " << step);
      const DeviceKey device = pick(2) == 0 ? fx.local : fx.peer;
      std::vector<FileInfo> batch;
      std::vector<std::string> gone;
      const std::uint64_t count = 1 + pick(5);
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::string name = "n" + std::to_string(pick(30));
        bool taken = false;
        for (const FileInfo& f : batch) taken = taken || f.name == name;
        for (const std::string& g : gone) taken = taken || g == name;
        if (taken) continue;
        const std::uint64_t what = pick(10);
        if (what == 0) {
          gone.push_back(name);
          continue;
        }
        // Seeds from a pool of six, so the same lists recur across names
        // and devices; 0 to 3 blocks, mostly one.
        static constexpr int kBlockCounts[] = {0, 1, 1, 1, 1, 2, 2, 3, 1};
        std::vector<std::uint64_t> seeds;
        for (int b = 0; b < kBlockCounts[what - 1]; ++b) seeds.push_back(1 + pick(6));
        FileInfo f = MakeFile(name, seeds, next_sequence++);
        if (seeds.empty()) f.deleted = true;
        batch.push_back(f);
      }
      if (!gone.empty()) {
        REQUIRE(fx.index.DeleteFiles(fx.folder.key, device, gone));
        for (const std::string& g : gone) model[{device.value, g}] = std::nullopt;
      }
      if (!batch.empty()) {
        REQUIRE(fx.index.PutFiles(fx.folder.key, device, batch));
        for (const FileInfo& f : batch) model[{device.value, f.name}] = f;
      }
      std::int64_t local_blocks = 0;
      for (const auto& [key, expected] : model) {
        auto got = fx.index.GetFile(fx.folder.key, DeviceKey(key.first), key.second);
        REQUIRE(got);
        REQUIRE(got->has_value() == expected.has_value());
        if (!expected) continue;
        CHECK((*got)->blocks == expected->blocks);
        CHECK((*got)->deleted == expected->deleted);
        if (key.first == fx.local.value) local_blocks += std::ssize(expected->blocks);
      }
      CheckListPlacement(fx.index);
      CHECK(Scalar(fx.index, "SELECT count(*) FROM block_locations") == local_blocks);
    }
    REQUIRE(fx.index.RemoveFolder(fx.folder.key));
    CHECK(Scalar(fx.index, "SELECT count(*) FROM block_lists") == 0);
  }
}

TEST_CASE(
    "rows with equal vectors agree only when their one-block lists are equal, and a "
    "difference is needed",
    "[store][global]") {
  Fixture fx;
  fx.Put(fx.local, MakeFile("a", {1}, 7));
  FileInfo same = MakeFile("a", {1}, 7);
  same.mtime_ns += 1'000'000'000;  // newer: it wins the tie between equal vectors
  fx.Put(fx.peer, same);
  CHECK(fx.NeededNames().empty());
  CHECK(fx.index.GetGlobal(fx.folder.key, "a").value()->device_key == fx.local);

  FileInfo other = MakeFile("a", {2}, 8);
  other.version = same.version;  // a cloned identity or a lying peer
  other.mtime_ns = same.mtime_ns;
  fx.Put(fx.peer, other);
  CHECK(fx.NeededNames() == std::vector<std::string>{"a"});
  CHECK(fx.index.GetGlobal(fx.folder.key, "a").value()->device_key == fx.peer);
}

TEST_CASE(
    "a list whose hash matches a stored list of other blocks is kept in its own row, and "
    "both read back as put",
    "[store][index][hostile]") {
  // XXH3 does not resist a peer that chooses its block lists. The collision
  // is made by hand: the stored list of "m" is given the hash of "l"'s list.
  Fixture fx;
  const FileInfo m = MakeFile("m", {1, 2}, 1);
  const FileInfo l = MakeFile("l", {3, 4, 5}, 2);
  fx.Put(fx.local, m);
  const Bytes encoded = EncodeBlockList(l.blocks);
  XXH128_canonical_t hash;
  XXH128_canonicalFromHash(&hash, XXH3_128bits(encoded.data(), encoded.size()));
  auto forge = fx.index.db().Prepare("UPDATE block_lists SET list_hash = ?1");
  REQUIRE(forge);
  REQUIRE((*forge)->BindBlob(1, ByteSpan(hash.digest, sizeof(hash.digest))).Run());
  REQUIRE(Scalar(fx.index, "SELECT count(*) FROM block_lists") == 1);

  fx.Put(fx.local, l);
  FileInfo from_peer = l;
  from_peer.name = "p";
  fx.Put(fx.peer, from_peer);
  CHECK(fx.index.GetFile(fx.folder.key, fx.local, "l").value()->blocks == l.blocks);
  CHECK(fx.index.GetFile(fx.folder.key, fx.peer, "p").value()->blocks == l.blocks);
  CHECK(fx.index.GetFile(fx.folder.key, fx.local, "m").value()->blocks == m.blocks);
  CHECK(Scalar(fx.index, "SELECT count(*) FROM files WHERE blocks IS NOT NULL") == 2);
  CHECK(Scalar(fx.index, "SELECT refs FROM block_lists") == 1);
  CHECK(Scalar(fx.index, "SELECT count(*) FROM block_locations") == 5);

  INFO("the same colliding list from both devices agrees; the stored one differs");
  FileInfo l_there = l;
  l_there.sequence = 3;
  l_there.mtime_ns += 1'000'000'000;
  fx.Put(fx.peer, l_there);
  CHECK(fx.NeededNames() == std::vector<std::string>{"p"});
  FileInfo m_there = l;
  m_there.name = "m";
  m_there.sequence = 4;
  m_there.version = m.version;
  m_there.mtime_ns = m.mtime_ns + 1'000'000'000;
  fx.Put(fx.peer, m_there);
  CHECK(fx.NeededNames() == std::vector<std::string>{"m", "p"});

  fx.Put(fx.local, MakeFile("m", {6}, 3));
  CHECK(Scalar(fx.index, "SELECT count(*) FROM block_lists") == 0);
  CHECK(fx.index.GetFile(fx.folder.key, fx.local, "l").value()->blocks == l.blocks);
}

TEST_CASE(
    "a v6 store moves its one-block lists into their rows when opened and reads back the "
    "same",
    "[store][index][migration]") {
  testing::TempDir dir;
  const std::string path = dir.File("index.db");
  auto needed_names = [](Index& index, FolderKey folder) {
    auto needed = index.ListNeeded(folder, "", 1000);
    REQUIRE(needed);
    std::vector<std::string> out;
    for (const GlobalFile& g : *needed) out.push_back(g.file.name);
    return out;
  };
  std::vector<FileInfo> mine;
  std::vector<FileInfo> theirs;
  for (int i = 0; i < 40; ++i) {
    const auto n = static_cast<std::uint64_t>(i);
    std::vector<std::uint64_t> seeds = {1 + n % 7};  // shared by several names
    if (i % 4 == 0) seeds.push_back(100 + n % 3);
    mine.push_back(MakeFile("f" + std::to_string(i), seeds, i + 1));
    if (i % 3 != 0) seeds = {50 + n};  // the peer has newer content for some
    FileInfo t = MakeFile("f" + std::to_string(i), seeds, i + 1);
    if (i % 3 != 0) t.version.Set(0x0202020202020202ull, 9);
    theirs.push_back(t);
  }
  std::int64_t one_block = 0;
  for (const auto* files : {&mine, &theirs}) {
    for (const FileInfo& f : *files) one_block += f.blocks.size() == 1 ? 1 : 0;
  }
  FolderKey folder;
  DeviceKey local;
  DeviceKey peer;
  std::vector<std::string> needed;
  std::int64_t shared_lists = 0;
  {
    Index index = Index::Open(path).value();
    local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
    peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
    folder = index.AddFolder({{}, "docs", "/data/docs", ""}).value().key;
    REQUIRE(index.PutFiles(folder, local, mine));
    REQUIRE(index.PutFiles(folder, peer, theirs));
    needed = needed_names(index, folder);
    REQUIRE(needed.size() == 26);
    shared_lists = Scalar(index, "SELECT count(*) FROM block_lists");
    REQUIRE(shared_lists > 0);
  }
  testing::ExecSql(path, testing::kUndoSchemaV7);

  REQUIRE_THAT(testing::IndexNames(path), !Catch::Contains("files_by_block_list"));
  Index reopened = Index::Open(path).value();
  CHECK_THAT(testing::IndexNames(path), Catch::Contains("files_by_block_list"));
  CheckListPlacement(reopened);
  CHECK(Scalar(reopened, "SELECT count(*) FROM block_lists") == shared_lists);
  CHECK(Scalar(reopened, "SELECT count(*) FROM files WHERE blocks IS NOT NULL") == one_block);
  for (const auto& [device, files] : {std::pair{local, &mine}, std::pair{peer, &theirs}}) {
    for (const FileInfo& f : *files) {
      auto got = reopened.GetFile(folder, device, f.name).value();
      REQUIRE(got);
      CHECK(got->blocks == f.blocks);
    }
  }
  CHECK(needed_names(reopened, folder) == needed);
}

TEST_CASE(
    "freeing a shared block list costs the same at any folder size: no scan of the files "
    "for rows still pointing at it",
    "[store][index][linearity]") {
  // Ten two-block files change content beside `filler` others; each change
  // frees the old list, whose foreign key SQLite checks against files.
  auto cost_of_changes = [](int filler) {
    Fixture fx;
    std::vector<FileInfo> rows;
    for (int i = 0; i < filler; ++i) {
      const auto n = static_cast<std::uint64_t>(i);
      rows.push_back(MakeFile("filler" + std::to_string(i), {1000 + n}, 0));
      if (i % 5 == 0) rows.back().blocks.push_back(rows.back().blocks.front());
    }
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, rows));
    std::vector<FileInfo> changed;
    for (std::uint64_t i = 0; i < 10; ++i)
      changed.push_back(MakeFile("c" + std::to_string(i), {i, i + 20}, 0));
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, changed));
    const auto lists_before = Scalar(fx.index, "SELECT count(*) FROM block_lists");
    for (std::uint64_t i = 0; i < 10; ++i)
      changed[i] = MakeFile("c" + std::to_string(i), {i, i + 40}, 0);
    const std::int64_t before = fx.index.db().VmSteps();
    REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, changed));
    const std::int64_t steps = fx.index.db().VmSteps() - before;
    REQUIRE(Scalar(fx.index, "SELECT count(*) FROM block_lists") == lists_before);  // 10 freed
    return steps;
  };
  const std::int64_t small = cost_of_changes(200);
  const std::int64_t large = cost_of_changes(4000);
  INFO("VM steps for 10 changes beside 200 files: " << small << ", beside 4,000: " << large);
  CHECK(large < small * 3 / 2);
}

}  // namespace shoal
