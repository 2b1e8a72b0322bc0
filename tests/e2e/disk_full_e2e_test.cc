// Disk full (issue 11, item 8): the receiving folder lives on a small tmpfs.
// A file that does not fit fails alone with "disk full" in status, the files
// that fit arrive, and once space is freed the big one arrives by itself
// (the per-name retry), with no command from the user.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <random>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tmpfs.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;
using shoal::testing::Tmpfs;

std::string RandomText(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

}  // namespace

TEST_CASE("a file too big for the disk fails alone and arrives once space is freed",
          "[e2e][disk-full]") {
  TempDir dir;
  // Mounted before the devices exist, so it is unmounted after they are gone.
  Tmpfs small(dir.path().string() + "/beta/sync", "8m");
  if (!small.mounted()) {
    std::printf("SKIPPED disk-full e2e: cannot mount a tmpfs here (%s)\n", small.error().c_str());
    return;
  }
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  const std::string big = RandomText(12 << 20, 1);  // 12 MiB on an 8 MiB disk
  WriteFile(a.Path("big.bin"), big);
  for (int i = 0; i < 3; ++i) {
    WriteFile(a.Path("small/" + std::to_string(i) + ".txt"), RandomText(20'000, 10 + i));
  }
  a.Start();
  b.Start();
  Pair(a, b);
  ShareFolder(a, b, "Tight");

  bool small_arrived = Eventually(
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (!fs::exists(b.Path("small/" + std::to_string(i) + ".txt"))) return false;
        }
        auto failures = PullFailures(b);
        return failures.count("big.bin") && failures["big.bin"].starts_with("disk full");
      },
      std::chrono::seconds(60));
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log() << "\nB status:\n" << b.Status().dump(2));
  REQUIRE(small_arrived);
  for (int i = 0; i < 3; ++i) {
    const std::string name = "small/" + std::to_string(i) + ".txt";
    CHECK(ReadFile(b.Path(name)) == ReadFile(a.Path(name)));
  }
  CHECK_FALSE(fs::exists(b.Path("big.bin")));
  CliResult human = b.Cli({"status"});
  CHECK(human.out.find("big.bin: disk full") != std::string::npos);

  // Space is freed: no command needed, the retry brings the file.
  REQUIRE(small.Resize("64m"));
  bool arrived =
      Eventually([&] { return fs::exists(b.Path("big.bin")) && PullFailures(b).empty(); },
                 std::chrono::seconds(90));
  INFO("B log after resize:\n" << b.log());
  REQUIRE(arrived);
  CHECK(ReadFile(b.Path("big.bin")) == big);
  a.Stop();
  b.Stop();
}

}  // namespace shoal::e2e
