// Folder safety with real daemons (core/sync/folder_guard.h): an unmounted
// drive never reads as "everything deleted", and a mass delete waits for
// `shoal folder resume`.
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

nlohmann::json FolderStatus(const TestDevice& d) {
  const auto status = d.Status();
  REQUIRE(status["folders"].size() == 1);
  return status["folders"][0];
}

// Regular files under `root`, Shoal's own `.shoal/` left out.
int CountFiles(const std::string& root) {
  int n = 0;
  for (const auto& [name, content] : Tree(root)) {
    if (content != "dir" && name.rfind(".shoal", 0) != 0) ++n;
  }
  return n;
}

bool Connected(const TestDevice& a) {
  const auto status = a.Status();
  for (const auto& d : status["devices"]) {
    if (d.value("connected", false)) return true;
  }
  return false;
}

bool IdleWith(const TestDevice& d, int files) {
  const auto f = FolderStatus(d);
  return f["state"] == "idle" && f["need"].get<int>() == 0 && CountFiles(d.sync_dir()) == files;
}

}  // namespace

TEST_CASE("a folder path that comes back empty deletes nothing anywhere and resumes by itself",
          "[e2e][safety]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  for (int i = 0; i < 23; ++i)
    WriteFile(a.Path("docs/f" + std::to_string(i)), "file " + std::to_string(i));
  ShareFolder(a, b, "Shared");
  REQUIRE(Eventually([&] { return IdleWith(a, 23) && IdleWith(b, 23); }, std::chrono::seconds(60)));

  // A stops; its folder path becomes an empty directory (the disk is not
  // mounted yet); A starts again.
  a.Stop();
  const std::string disk = a.sync_dir() + ".disk";
  fs::rename(a.sync_dir(), disk);
  fs::create_directory(a.sync_dir());
  a.Start();
  // A listens on a new port now: it dials B instead.
  a.Json({"devices", "add", b.id(), "--address", "127.0.0.1:" + std::to_string(b.port())});

  bool stopped = Eventually([&] {
    const auto f = FolderStatus(a);
    return f["state"] == "error" &&
           f.value("error", "").find("folder marker missing — is the drive mounted?") !=
               std::string::npos;
  });
  INFO("A log:\n" << a.log());
  REQUIRE(stopped);
  REQUIRE(Eventually([&] { return Connected(a) && Connected(b); }));
  CHECK(a.Cli({"rescan"}).exit_code != 0);  // a scan is refused, not run
  // Give B every chance to apply deletions it must never receive.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(CountFiles(b.sync_dir()) == 23);
  CHECK(FolderStatus(b)["files"].get<int>() == 23);
  CHECK(FolderStatus(a)["state"] == "error");
  CHECK(fs::is_empty(a.sync_dir()));  // nothing pulled into the wrong place

  // The disk is mounted again: A notices within its retry interval.
  fs::remove(a.sync_dir());
  fs::rename(disk, a.sync_dir());
  bool resumed = Eventually([&] { return IdleWith(a, 23) && IdleWith(b, 23); });
  INFO("A log:\n" << a.log());
  REQUIRE(resumed);
  CHECK_FALSE(FolderStatus(a).contains("error"));
  CHECK(ReadFile(b.Path("docs/f7")) == "file 7");

  // And it syncs as before.
  WriteFile(a.Path("after.txt"), "back in business");
  REQUIRE(Eventually([&] { return fs::exists(b.Path("after.txt")); }));
}

TEST_CASE("a scan deleting most of a folder pauses it until `folder resume`, then syncs",
          "[e2e][safety]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  for (int i = 0; i < 120; ++i)
    WriteFile(a.Path("old/f" + std::to_string(i)), "old " + std::to_string(i));
  for (int i = 0; i < 30; ++i)
    WriteFile(a.Path("keep/f" + std::to_string(i)), "keep " + std::to_string(i));
  const std::string id = ShareFolder(a, b, "Shared");
  REQUIRE(
      Eventually([&] { return IdleWith(a, 150) && IdleWith(b, 150); }, std::chrono::seconds(60)));

  // One rename out of the folder: one watcher event, one scan of 120 deletes.
  fs::rename(a.Path("old"), dir.path() / "old-outside");
  bool paused = Eventually([&] {
    const auto f = FolderStatus(a);
    return f["state"] == "paused" &&
           f.value("error", "").find("120 of the folder's 150") != std::string::npos;
  });
  INFO("A log:\n" << a.log());
  REQUIRE(paused);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(CountFiles(b.sync_dir()) == 150);
  CHECK(FolderStatus(a)["files"].get<int>() == 150);  // nothing committed

  CliResult resumed = a.Cli({"folder", "resume", id});
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("resumed") != std::string::npos);
  REQUIRE(Eventually([&] { return IdleWith(a, 30) && IdleWith(b, 30); }));
  CHECK_FALSE(fs::exists(b.Path("old/f0")));
  CHECK(a.Cli({"folder", "resume", id}).out.find("was not paused") != std::string::npos);
}

}  // namespace shoal::e2e
