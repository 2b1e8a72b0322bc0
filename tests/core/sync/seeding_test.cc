// Content a device already holds is never fetched or rewritten: two devices
// seeded with the same files (from a backup or a USB disk) agree by
// metadata alone, and a peer's mode change arrives without a rewrite.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

void WriteDisk(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

struct DiskState {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  mode_t mode = 0;
  friend bool operator==(const DiskState&, const DiskState&) = default;
};

DiskState StatDisk(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return {st.st_ino, st.st_mtim.tv_sec * 1'000'000'000 + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1'000'000'000 + st.st_ctim.tv_nsec, st.st_mode & 07777};
}

std::string Content(int i) { return "seeded content " + std::to_string(i * 7919); }

}  // namespace

TEST_CASE("devices that already hold the same files agree without rewriting or touching them",
          "[sync][engine][seeding][disk]") {
  EngineCluster c(2, {}, /*on_disk=*/{1});
  constexpr int kFiles = 120;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "d" + std::to_string(i % 4) + "/f" + std::to_string(i);
    c[0].fs.WriteFile(name, Content(i), c.clock.now);
    WriteDisk(c[1].root + "/" + name, Content(i));  // its own mtime: the copy's
  }
  c.clock.now += 5'000'000'000;
  c.Scan(0);
  c.Scan(1);
  std::map<std::string, DiskState> before;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "d" + std::to_string(i % 4) + "/f" + std::to_string(i);
    before[name] = StatDisk(c[1].root + "/" + name);
  }
  c.Connect(0, 1);
  c.Settle();
  CHECK(c[1].engine->NeedCount() == 0);
  CHECK(c[0].engine->NeedCount() == 0);
  for (const auto& [name, state] : before) {
    INFO(name);
    CHECK(StatDisk(c[1].root + "/" + name) == state);  // same inode, mtime, ctime, mode
  }
  // No conflict copies on either side.
  for (const auto& e : std::filesystem::recursive_directory_iterator(c[1].root)) {
    CHECK(e.path().filename().string().find(".sync-conflict-") == std::string::npos);
  }
  // Both sides hold one version per name now: an edit on either syncs as usual.
  c[0].fs.WriteFile("d0/f0", "edited after seeding", c.clock.now + 1);
  c.Settle();
  std::ifstream in(c[1].root + "/d0/f0", std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "edited after seeding");
}

TEST_CASE("a peer's mode change is applied in place, not by rewriting the file",
          "[sync][engine][seeding][disk]") {
  EngineCluster c(2, {}, /*on_disk=*/{1});
  c.Connect(0, 1);
  c[0].fs.WriteFile("script.sh", "#!/bin/sh\necho hi\n", c.clock.now);
  c.Settle();
  const DiskState first = StatDisk(c[1].root + "/script.sh");
  REQUIRE((first.mode & 0100) == 0);
  REQUIRE(c[0].fs.SetMetadata("script.sh", c.clock.now, 0755));
  c.Settle();
  const DiskState after = StatDisk(c[1].root + "/script.sh");
  CHECK(after.inode == first.inode);  // the same file, not a replacement
  CHECK((after.mode & 0100) != 0);
}

}  // namespace shoal
