// The folder marker, the root's device and the mass-delete brake: the guard
// on its own, then through FolderEngine on two devices (an emptied root
// must not delete anything anywhere).
#include "core/sync/folder_guard.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/fs/posix_file_system.h"
#include "tests/core/sync/engine_pair.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

using testing::EngineCluster;
using testing::TempDir;

struct GuardFixture {
  GuardFixture() {
    index = std::make_unique<Index>(Index::Open(dir.File("index.db")).value());
    folder = index->AddFolder({{}, "f1", "/mem", "", 1, 1}).value();
  }
  FolderGuard Guard(std::uint64_t root_device, std::int64_t min_files = 100) {
    return FolderGuard(fs, *index, {folder.key, "f1", root_device, min_files});
  }
  std::uint64_t StoredDevice() { return index->FindFolder("f1").value()->root_device; }
  TempDir dir;
  MemoryFileSystem fs;
  std::unique_ptr<Index> index;
  FolderRecord folder;
};

// Runs `rounds` of scan, deliver, pull on every device; a held device's
// scans and pulls fail, and are expected to.
void Rounds(EngineCluster& c, int devices, int rounds = 5) {
  for (int round = 0; round < rounds; ++round) {
    c.clock.now += 3'000'000'000;
    for (int d = 0; d < devices; ++d) (void)c[d].engine->Scan();
    c.DeliverAll();
    for (int d = 0; d < devices; ++d) (void)c[d].engine->Pull();
  }
}

void WriteFiles(MemoryFileSystem& fs, int count, std::int64_t mtime_ns) {
  for (int i = 0; i < count; ++i) {
    fs.WriteFile("d/file" + std::to_string(i), "content " + std::to_string(i), mtime_ns);
  }
}

std::int64_t LiveFiles(testing::EngineDevice& d) {
  return d.index->CountLive(d.folder_key, d.local_key).value().files;
}

}  // namespace

TEST_CASE("a marked root on its recorded device checks out", "[sync][guard]") {
  GuardFixture fx;
  REQUIRE(WriteFolderMarker(fx.fs, "f1"));
  CHECK(fx.fs.Content(kMarkerFile) == "f1\n");
  FolderGuard guard = fx.Guard(1);
  CHECK(guard.Check());
  CHECK(guard.hold() == FolderHold::kNone);
}

TEST_CASE("a missing marker holds the folder until the marker is back", "[sync][guard]") {
  GuardFixture fx;
  FolderGuard guard = fx.Guard(1);
  auto checked = guard.Check();  // an empty root: what an unmounted drive looks like
  REQUIRE_FALSE(checked);
  CHECK(guard.hold() == FolderHold::kRootChanged);
  CHECK_THAT(guard.message(), Catch::Contains("folder marker missing — is the drive mounted?"));
  CHECK(fx.fs.Lstat(kMarkerDir).error().code == ErrorCode::kNotFound);  // nothing written

  REQUIRE(WriteFolderMarker(fx.fs, "f1"));  // the drive is mounted
  CHECK(guard.Check());
  CHECK(guard.hold() == FolderHold::kNone);
  CHECK(guard.message().empty());
}

TEST_CASE("a marker naming another folder or another root device holds the folder",
          "[sync][guard]") {
  GuardFixture fx;
  REQUIRE(WriteFolderMarker(fx.fs, "someone-else"));
  FolderGuard guard = fx.Guard(1);
  REQUIRE_FALSE(guard.Check());
  CHECK_THAT(guard.message(), Catch::Contains("names another folder"));

  REQUIRE(WriteFolderMarker(fx.fs, "f1"));
  fx.fs.SetRootDevice(7);  // another disk at the same path
  REQUIRE_FALSE(guard.Check());
  CHECK(guard.hold() == FolderHold::kRootChanged);
  CHECK_THAT(guard.message(), Catch::Contains("another device"));

  // The user says this disk is the folder's now: recorded, and it checks out.
  REQUIRE(guard.Resume());
  CHECK(guard.hold() == FolderHold::kNone);
  CHECK(fx.StoredDevice() == 7);
  CHECK(guard.Check());
}

TEST_CASE("a root that does not exist yet is held until its drive is mounted there",
          "[sync][guard]") {
  GuardFixture fx;
  const std::string root = fx.dir.File("mnt");
  std::unique_ptr<PosixFileSystem> disk = PosixFileSystem::OpenLater(root);
  FolderGuard guard(*disk, *fx.index, {fx.folder.key, "f1", 0, 100});
  REQUIRE_FALSE(guard.Check());
  CHECK(guard.hold() == FolderHold::kRootChanged);
  CHECK_THAT(guard.message(), Catch::Contains("is the drive mounted?"));

  // Mounted: the directory appears, with the folder's files and marker.
  std::filesystem::create_directory(root);
  {
    auto mounted = PosixFileSystem::Open(root).value();
    REQUIRE(WriteFolderMarker(*mounted, "f1"));
  }
  REQUIRE(guard.Check());
  CHECK(guard.hold() == FolderHold::kNone);
  CHECK(disk->Lstat(kMarkerFile));  // the FileSystem reads the new root now
  CHECK(fx.StoredDevice() != 0);
}

TEST_CASE("a folder from before markers is marked only when its root holds files",
          "[sync][guard]") {
  GuardFixture fx;
  FolderGuard guard = fx.Guard(0);  // no device recorded: an older Shoal added it
  REQUIRE_FALSE(guard.Check());     // empty: never taken for the folder
  CHECK(guard.hold() == FolderHold::kRootChanged);
  CHECK(fx.fs.Lstat(kMarkerFile).error().code == ErrorCode::kNotFound);
  CHECK(fx.StoredDevice() == 0);

  fx.fs.WriteFile("notes.txt", "mine", 0);
  REQUIRE(guard.Check());
  CHECK(guard.hold() == FolderHold::kNone);
  CHECK(fx.fs.Content(kMarkerFile) == "f1\n");
  CHECK(fx.StoredDevice() == 1);
}

TEST_CASE("the brake holds a scan deleting more than half of at least 100 files until resumed",
          "[sync][guard]") {
  GuardFixture fx;
  REQUIRE(WriteFolderMarker(fx.fs, "f1"));
  FolderGuard guard = fx.Guard(1);
  CHECK(guard.CheckDeletes(99, 100));    // fewer than 100
  CHECK(guard.CheckDeletes(100, 200));   // exactly half
  CHECK(guard.CheckDeletes(150, 1000));  // a small part
  REQUIRE_FALSE(guard.CheckDeletes(101, 200));
  CHECK(guard.hold() == FolderHold::kMassDelete);
  CHECK_THAT(guard.message(), Catch::Contains("101 of the folder's 200"));
  CHECK_FALSE(guard.Check());  // held: no scan or pull until confirmed

  REQUIRE(guard.Resume());
  CHECK(guard.Check());
  CHECK(guard.CheckDeletes(101, 200));        // the confirmed scan goes ahead
  CHECK_FALSE(guard.CheckDeletes(101, 200));  // a confirmation is used once
}

TEST_CASE("an emptied root deletes nothing on the peer and resumes once the files are back",
          "[sync][engine][guard]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  WriteFiles(c[0].fs, 23, c.clock.now - 10'000'000'000);
  c.Settle();
  REQUIRE(LiveFiles(c[1]) == 23);

  // The drive is unmounted: an empty directory at the folder's path.
  c[0].fs.Remove("d");
  c[0].fs.Remove(".shoal");
  auto scanned = c[0].engine->Scan();
  REQUIRE_FALSE(scanned);
  CHECK(c[0].engine->hold() == FolderHold::kRootChanged);
  CHECK_THAT(c[0].engine->hold_message(), Catch::Contains("folder marker missing"));
  CHECK_FALSE(c[0].engine->Pull());
  Rounds(c, 2);
  CHECK(LiveFiles(c[0]) == 23);  // no tombstone was committed
  CHECK(LiveFiles(c[1]) == 23);
  CHECK(c[1].fs.Content("d/file7") == "content 7");

  // Mounted again: the next check passes and sync goes on.
  WriteFiles(c[0].fs, 23, c.clock.now - 10'000'000'000);
  REQUIRE(WriteFolderMarker(c[0].fs, "shared"));
  c.Settle();
  CHECK(c[0].engine->hold() == FolderHold::kNone);
  CHECK(LiveFiles(c[1]) == 23);
}

TEST_CASE("a real root swapped for an empty directory is held, and resumes when moved back",
          "[sync][engine][guard]") {
  EngineCluster c(2, {}, {0});
  c.Connect(0, 1);
  const std::string root = c[0].root;
  for (int i = 0; i < 5; ++i) {
    std::filesystem::create_directories(root + "/d");
    std::FILE* f = std::fopen((root + "/d/f" + std::to_string(i)).c_str(), "w");
    std::fputs("on disk", f);
    std::fclose(f);
  }
  c.clock.now += 10'000'000'000;
  c.Settle();
  REQUIRE(LiveFiles(c[1]) == 5);

  std::filesystem::rename(root, root + ".away");
  std::filesystem::create_directory(root);
  REQUIRE_FALSE(c[0].engine->Scan());
  CHECK(c[0].engine->hold() == FolderHold::kRootChanged);
  REQUIRE_FALSE(c[0].engine->Pull());
  Rounds(c, 2);
  CHECK(LiveFiles(c[1]) == 5);

  std::filesystem::remove(root);
  std::filesystem::rename(root + ".away", root);
  c.Settle();
  CHECK(c[0].engine->hold() == FolderHold::kNone);
  CHECK(LiveFiles(c[0]) == 5);
  CHECK(LiveFiles(c[1]) == 5);
}

TEST_CASE("a scan deleting most of a folder commits nothing until resumed, then deletes",
          "[sync][engine][guard]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  WriteFiles(c[0].fs, 150, c.clock.now - 10'000'000'000);
  c.Settle();
  REQUIRE(LiveFiles(c[1]) == 150);

  for (int i = 0; i < 120; ++i) c[0].fs.Remove("d/file" + std::to_string(i));
  auto scanned = c[0].engine->Scan();
  REQUIRE_FALSE(scanned);
  CHECK(c[0].engine->hold() == FolderHold::kMassDelete);
  CHECK_THAT(c[0].engine->hold_message(), Catch::Contains("120 of the folder's 150"));
  Rounds(c, 2);
  CHECK(LiveFiles(c[0]) == 150);
  CHECK(LiveFiles(c[1]) == 150);

  REQUIRE(c[0].engine->Resume());
  c.Settle();
  CHECK(c[0].engine->hold() == FolderHold::kNone);
  CHECK(LiveFiles(c[0]) == 30);
  CHECK(LiveFiles(c[1]) == 30);
  CHECK(c[1].fs.Lstat("d/file0").error().code == ErrorCode::kNotFound);
}

TEST_CASE("deleting fewer than 100 files or at most half of a folder needs no confirmation",
          "[sync][engine][guard]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  WriteFiles(c[0].fs, 150, c.clock.now - 10'000'000'000);
  c.Settle();
  for (int i = 0; i < 99; ++i) c[0].fs.Remove("d/file" + std::to_string(i));
  c.Settle();
  CHECK(c[0].engine->hold() == FolderHold::kNone);
  CHECK(LiveFiles(c[1]) == 51);
}

}  // namespace shoal
