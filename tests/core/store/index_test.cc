#include "core/store/index.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/store/schema.h"
#include "tests/support/store_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::MakeDeviceId;
using testing::MakeHash;

FileInfo MakeFile(const std::string& name, std::vector<std::uint64_t> block_seeds) {
  FileInfo f;
  f.name = name;
  f.permissions = 0644;
  f.mtime_ns = 1700000000123456789;
  f.version.Set(0x0101010101010101ull, 1700000000);
  for (auto s : block_seeds)
    f.blocks.push_back(BlockRef{static_cast<std::uint32_t>(1000 + s), MakeHash(s)});
  f.size = BlockListSize(f.blocks);
  return f;
}

struct Fixture {
  testing::TempDir dir;
  Index index = Index::Open(dir.File("index.db")).value();
  DeviceKey local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
  DeviceKey peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
  FolderRecord folder = index.AddFolder({{}, "photos", "/data/photos", "Photos"}).value();

  // Test-only SQL: counts rows to check the store's bookkeeping.
  std::int64_t CountRows(const std::string& table) {
    std::string query = "SELECT count(*) FROM " + table;
    auto stmt = index.db().Prepare(query.c_str());
    REQUIRE(stmt);
    REQUIRE((*stmt)->Step().value());
    std::int64_t n = (*stmt)->ColumnInt(0);
    (*stmt)->Reset();
    return n;
  }
};

}  // namespace

TEST_CASE("devices are stored by ID, updated in place and listed", "[store][index]") {
  Fixture fx;
  auto devices = fx.index.ListDevices();
  REQUIRE(devices);
  REQUIRE(devices->size() == 2);
  CHECK((*devices)[0].is_local);
  CHECK((*devices)[1].name == "there");

  DeviceRecord renamed{{}, MakeDeviceId(2), "laptop", "192.0.2.1:22000", false, true};
  CHECK(fx.index.PutDevice(renamed).value() == fx.peer);
  auto found = fx.index.FindDevice(MakeDeviceId(2));
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->name == "laptop");
  CHECK((*found)->paused);
  CHECK_FALSE(fx.index.FindDevice(MakeDeviceId(9)).value().has_value());
}

TEST_CASE("folders get random seeds and index IDs, and IDs are unique", "[store][index]") {
  Fixture fx;
  CHECK(fx.folder.hash_seed != 0);
  CHECK(fx.folder.index_id != 0);
  auto dup = fx.index.AddFolder({{}, "photos", "/elsewhere", ""});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kConflict);
  auto other = fx.index.AddFolder({{}, "docs", "/data/docs", ""});
  REQUIRE(other);
  CHECK(other->hash_seed != fx.folder.hash_seed);
  auto found = fx.index.FindFolder("photos").value();
  REQUIRE(found);
  CHECK(found->path == "/data/photos");
  CHECK(found->label == "Photos");
  CHECK(found->hash_seed == fx.folder.hash_seed);
}

TEST_CASE("folder shares and peer index state are per folder and device", "[store][index]") {
  Fixture fx;
  CHECK(fx.index.SharedWith(fx.folder.key).value().empty());
  REQUIRE(fx.index.ShareFolder(fx.folder.key, fx.peer));
  REQUIRE(fx.index.ShareFolder(fx.folder.key, fx.peer));  // idempotent
  CHECK(fx.index.SharedWith(fx.folder.key).value() == std::vector<DeviceKey>{fx.peer});

  CHECK_FALSE(fx.index.GetPeerIndexState(fx.folder.key, fx.peer).value().has_value());
  REQUIRE(fx.index.SetPeerIndexState(fx.folder.key, fx.peer, {77, 12}));
  REQUIRE(fx.index.SetPeerIndexState(fx.folder.key, fx.peer, {77, 15}));
  auto state = fx.index.GetPeerIndexState(fx.folder.key, fx.peer).value();
  REQUIRE(state);
  CHECK(state->index_id == 77);
  CHECK(state->max_sequence == 15);

  REQUIRE(fx.index.UnshareFolder(fx.folder.key, fx.peer));
  CHECK(fx.index.SharedWith(fx.folder.key).value().empty());
  // Removing the device drops its shares and state with it.
  REQUIRE(fx.index.ShareFolder(fx.folder.key, fx.peer));
  REQUIRE(fx.index.RemoveDevice(fx.peer));
  CHECK(fx.index.SharedWith(fx.folder.key).value().empty());
  CHECK_FALSE(fx.index.GetPeerIndexState(fx.folder.key, fx.peer).value().has_value());
}

TEST_CASE("file infos round-trip through the store field for field", "[store][index]") {
  Fixture fx;
  std::vector<FileInfo> files = {MakeFile("a.txt", {1, 2, 3}), MakeFile("dir", {}),
                                 MakeFile("link", {})};
  files[1].type = FileType::kDirectory;
  files[1].permissions = 0755;
  files[2].type = FileType::kSymlink;
  files[2].symlink_target = "../elsewhere";
  files[0].inode = 4242;
  files[0].version.Set(0x0202020202020202ull, 1700000005);
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, files));
  for (const FileInfo& f : files) {
    auto got = fx.index.GetFile(fx.folder.key, fx.local, f.name);
    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK(**got == f);
  }
  CHECK_FALSE(fx.index.GetFile(fx.folder.key, fx.local, "missing").value().has_value());
  CHECK_FALSE(fx.index.GetFile(fx.folder.key, fx.peer, "a.txt").value().has_value());
}

TEST_CASE("local entries get increasing sequences, peer entries are stored with sequence 0",
          "[store][index]") {
  Fixture fx;
  std::vector<FileInfo> batch = {MakeFile("a", {1}), MakeFile("b", {2})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, batch));
  CHECK(batch[0].sequence == 1);
  CHECK(batch[1].sequence == 2);
  std::vector<FileInfo> again = {MakeFile("a", {3})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, again));
  CHECK(again[0].sequence == 3);
  CHECK(fx.index.FindFolder("photos").value()->max_sequence == 3);

  std::vector<FileInfo> remote = {MakeFile("r", {4})};
  remote[0].sequence = 900;
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, remote));
  CHECK(remote[0].sequence == 900);  // the caller's copy is left as it came
  CHECK(fx.index.GetFile(fx.folder.key, fx.peer, "r").value()->sequence == 0);
  CHECK(fx.index.FindFolder("photos").value()->max_sequence == 3);
  int peer_rows = 0;
  REQUIRE(fx.index.ForEachSince(fx.folder.key, fx.peer, 0, [&](FileInfo&&) {
    ++peer_rows;
    return true;
  }));
  CHECK(peer_rows == 0);
}

TEST_CASE("iteration since a sequence yields newer entries in order, across pages",
          "[store][index]") {
  Fixture fx;
  std::vector<FileInfo> files;
  for (int i = 0; i < 2500; ++i) files.push_back(MakeFile("f" + std::to_string(i), {}));
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, files));
  // Touch a few again: they move to the end of the sequence order.
  std::vector<FileInfo> touched = {MakeFile("f5", {}), MakeFile("f1", {})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, touched));

  std::vector<std::string> names;
  std::int64_t last = 0;
  REQUIRE(fx.index.ForEachSince(fx.folder.key, fx.local, 2490, [&](FileInfo&& f) {
    CHECK(f.sequence > last);
    last = f.sequence;
    names.push_back(f.name);
    return true;
  }));
  std::vector<std::string> expected;
  for (int i = 2490; i < 2500; ++i) expected.push_back("f" + std::to_string(i));
  expected.push_back("f5");
  expected.push_back("f1");
  CHECK(names == expected);

  int seen = 0;
  REQUIRE(fx.index.ForEachSince(fx.folder.key, fx.local, 0, [&](FileInfo&&) {
    ++seen;
    return true;
  }));
  CHECK(seen == 2500);
  int stopped = 0;
  REQUIRE(fx.index.ForEachSince(fx.folder.key, fx.local, 0,
                                [&](FileInfo&&) { return ++stopped < 1500; }));
  CHECK(stopped == 1500);
}

TEST_CASE("block locations find local copies and follow changes and deletes", "[store][index]") {
  Fixture fx;
  std::vector<FileInfo> files = {MakeFile("a", {1, 2}), MakeFile("b", {2, 3})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, files));

  auto shared = fx.index.FindBlock(fx.folder.key, MakeHash(2)).value();
  REQUIRE(shared.size() == 2);
  CHECK(shared[0].name == "a");
  CHECK(shared[0].offset == 1001);  // after block 1 (size 1001)
  CHECK(shared[0].size == 1002);
  CHECK(shared[1].name == "b");
  CHECK(shared[1].offset == 0);
  CHECK(shared[1].folder_key == fx.folder.key);

  // Peers' blocks are not local copies.
  std::vector<FileInfo> remote = {MakeFile("c", {9})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, remote));
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(9)).value().empty());

  // Changing a file replaces its locations; a tombstone has none.
  std::vector<FileInfo> change = {MakeFile("a", {4})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, change));
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(1)).value().empty());
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(2)).value().size() == 1);
  std::vector<FileInfo> tomb = {MakeFile("b", {})};
  tomb[0].deleted = true;
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, tomb));
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(2)).value().empty());
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(4)).value().size() == 1);
}

TEST_CASE("identical block lists are stored once and freed with their last file",
          "[store][index]") {
  Fixture fx;
  std::vector<FileInfo> local = {MakeFile("a", {1, 2}), MakeFile("b", {1, 2})};
  std::vector<FileInfo> remote = {MakeFile("a", {1, 2})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, local));
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, remote));
  CHECK(fx.CountRows("block_lists") == 1);
  // Re-putting the same content must not free the shared list.
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, local));
  CHECK(fx.CountRows("block_lists") == 1);
  CHECK(fx.index.GetFile(fx.folder.key, fx.local, "b").value()->blocks.size() == 2);

  std::vector<std::string> names = {"a", "b"};
  REQUIRE(fx.index.DeleteFiles(fx.folder.key, fx.local, names));
  CHECK(fx.CountRows("block_lists") == 1);  // the peer still has it
  CHECK(fx.CountRows("block_locations") == 0);
  REQUIRE(fx.index.RemoveFolder(fx.folder.key));
  CHECK(fx.CountRows("files") == 0);
  CHECK(fx.CountRows("block_lists") == 0);
}

TEST_CASE("a batch that fails half-way leaves the index as it was", "[store][index]") {
  Fixture fx;
  // Two blocks each, so that every list is a block_lists row (schema v7
  // keeps a one-block list in its files row).
  std::vector<FileInfo> first = {MakeFile("keep", {1, 11})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, first));
  // Test-only fault injection: the third entry of the batch fails to insert,
  // after the first two (and their block lists and locations) were written.
  REQUIRE(
      fx.index.db().Exec("CREATE TEMP TRIGGER inject BEFORE INSERT ON files "
                         "WHEN new.name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END"));
  std::vector<FileInfo> batch = {MakeFile("new1", {2, 12}), MakeFile("keep", {3, 13}),
                                 MakeFile("boom", {4, 14})};
  auto r = fx.index.PutFiles(fx.folder.key, fx.local, batch);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("injected"));
  CHECK(fx.index.CountFiles(fx.folder.key, fx.local).value() == 1);
  CHECK(fx.index.GetFile(fx.folder.key, fx.local, "keep").value()->blocks == first[0].blocks);
  CHECK(fx.index.FindFolder("photos").value()->max_sequence == 1);
  CHECK(fx.CountRows("block_lists") == 1);
  CHECK(fx.CountRows("block_locations") == 2);
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(2)).value().empty());
  CHECK(fx.index.FindBlock(fx.folder.key, MakeHash(1)).value().size() == 1);
}

TEST_CASE(
    "a peer batch that repeats a sequence number is stored whole, and DeleteAllFiles forgets "
    "every entry of the peer",
    "[store][index]") {
  // Peers' sequences are not kept (schema v8), so a repeat cannot collide.
  Fixture fx;
  std::vector<FileInfo> batch = {MakeFile("a", {1}), MakeFile("b", {2})};
  batch[0].sequence = 7;
  batch[1].sequence = 7;
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, batch));
  CHECK(fx.index.CountFiles(fx.folder.key, fx.peer).value() == 2);
  std::vector<FileInfo> mine = {MakeFile("a", {1})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, mine));

  REQUIRE(fx.index.DeleteAllFiles(fx.folder.key, fx.peer));
  CHECK(fx.index.CountFiles(fx.folder.key, fx.peer).value() == 0);
  CHECK(fx.index.CountFiles(fx.folder.key, fx.local).value() == 1);
  CHECK(fx.index.GetGlobal(fx.folder.key, "b").value() == std::nullopt);
  CHECK(fx.index.GetGlobal(fx.folder.key, "a").value()->device_key == fx.local);
}

TEST_CASE("block lookups stay within their folder", "[store][index]") {
  Fixture fx;
  FolderRecord other = fx.index.AddFolder({{}, "other", "/other", ""}).value();
  std::vector<FileInfo> here = {MakeFile("a", {1})};
  std::vector<FileInfo> there = {MakeFile("b", {1})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, here));
  REQUIRE(fx.index.PutFiles(other.key, fx.local, there));
  auto found = fx.index.FindBlock(other.key, MakeHash(1)).value();
  REQUIRE(found.size() == 1);
  CHECK(found[0].name == "b");
}

TEST_CASE("a reader connection sees committed entries, refuses writes, and needs a file",
          "[store][index]") {
  testing::TempDir dir;
  const std::string path = dir.File("index.db");
  auto index = Index::Open(path);
  REQUIRE(index);
  const DeviceKey local = index->PutDevice({{}, MakeDeviceId(1), "", "", true, false}).value();
  const FolderKey folder_key = index->AddFolder({{}, "f", "/f", ""}).value().key;
  std::vector<FileInfo> first = {MakeFile("a", {1})};
  REQUIRE(index->PutFiles(folder_key, local, first));

  auto reader = Index::OpenReader(path);
  REQUIRE(reader);
  CHECK(reader->LocalDeviceKey().value() == local);
  CHECK(reader->ListMetadataUnder(folder_key, local, "").value().size() == 1);
  // The writer goes on; the reader's next statement sees its commit.
  std::vector<FileInfo> second = {MakeFile("b", {2})};
  REQUIRE(index->PutFiles(folder_key, local, second));
  CHECK(reader->ListMetadataUnder(folder_key, local, "").value().size() == 2);
  auto written = reader->PutDevice({{}, MakeDeviceId(2), "", "", false, false});
  REQUIRE_FALSE(written);
  CHECK(index->ListDevices().value().size() == 1);

  auto in_memory = Index::OpenReader(":memory:");
  REQUIRE_FALSE(in_memory);
  CHECK(in_memory.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("100,000 files insert in one batch and survive a re-open", "[store][index][slow]") {
  testing::TempDir dir;
  const std::string path = dir.File("big.db");
  constexpr int kFiles = 100000;
  FolderKey folder_key;
  DeviceKey local;
  {
    auto index = Index::Open(path);
    REQUIRE(index);
    local = index->PutDevice({{}, MakeDeviceId(1), "", "", true, false}).value();
    folder_key = index->AddFolder({{}, "big", "/big", ""}).value().key;
    std::vector<FileInfo> files;
    files.reserve(kFiles);
    for (int i = 0; i < kFiles; ++i) {
      files.push_back(MakeFile("dir" + std::to_string(i % 100) + "/file-" + std::to_string(i),
                               {static_cast<std::uint64_t>(i)}));
    }
    REQUIRE(index->PutFiles(folder_key, local, files));
    CHECK(files.back().sequence == kFiles);
  }
  auto index = Index::Open(path);
  REQUIRE(index);
  CHECK(index->CountFiles(folder_key, local).value() == kFiles);
  CHECK(index->FindFolder("big").value()->max_sequence == kFiles);
  auto f = index->GetFile(folder_key, local, "dir42/file-77742").value();
  REQUIRE(f);
  CHECK(f->sequence == 77743);
  CHECK(f->blocks == MakeFile("x", {77742}).blocks);
  auto where = index->FindBlock(folder_key, MakeHash(99999)).value();
  REQUIRE(where.size() == 1);
  CHECK(where[0].name == "dir99/file-99999");
  std::int64_t next = 0;
  int count = 0;
  REQUIRE(index->ForEachSince(folder_key, local, 0, [&](FileInfo&& file) {
    CHECK(file.sequence == ++next);
    ++count;
    return true;
  }));
  CHECK(count == kFiles);
}

}  // namespace shoal

namespace shoal {

TEST_CASE("CountLive totals one device's live files, directories and bytes", "[store][index]") {
  Fixture fx;
  FileInfo a = MakeFile("a", {1, 2});
  FileInfo b = MakeFile("b", {3});
  FileInfo dir;
  dir.name = "d";
  dir.type = FileType::kDirectory;
  dir.version.Set(1, 1);
  FileInfo gone = MakeFile("gone", {4});
  gone.deleted = true;
  gone.blocks.clear();
  gone.size = 0;
  std::vector<FileInfo> mine{a, b, dir, gone};
  std::vector<FileInfo> theirs{MakeFile("theirs", {5})};
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.local, mine));
  REQUIRE(fx.index.PutFiles(fx.folder.key, fx.peer, theirs));
  auto totals = fx.index.CountLive(fx.folder.key, fx.local);
  REQUIRE(totals);
  CHECK(totals->files == 2);
  CHECK(totals->directories == 1);
  CHECK(totals->symlinks == 0);
  CHECK(totals->bytes == a.size + b.size);
}

}  // namespace shoal
