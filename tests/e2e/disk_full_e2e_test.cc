// Disk full (issue 11, item 8): the receiving folder lives on a small tmpfs.
// A file that does not fit fails alone with "disk full" in status, the files
// that fit arrive, and once space is freed the big one arrives by itself
// (the per-name retry), with no command from the user.
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

std::string RandomText(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

// A tmpfs mounted at a directory for the test's lifetime (lazily unmounted
// in the destructor, so a daemon still holding it open cannot block it).
class Tmpfs {
 public:
  Tmpfs(std::string dir, const std::string& size) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    std::string options = "size=" + size;
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error_ = std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool Resize(const std::string& size) {
    std::string options = "size=" + size;
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, options.c_str()) == 0;
  }

 private:
  std::string dir_;
  std::string error_;
  bool mounted_ = false;
};

// B's failing names and why, from `status --json`.
std::map<std::string, std::string> Failures(const TestDevice& d) {
  std::map<std::string, std::string> out;
  const auto status = d.Status();
  for (const auto& f : status["folders"]) {
    if (!f.contains("failures")) continue;
    for (const auto& x : f["failures"]) out[x["path"]] = x["reason"];
  }
  return out;
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
        auto failures = Failures(b);
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
  bool arrived = Eventually([&] { return fs::exists(b.Path("big.bin")) && Failures(b).empty(); },
                            std::chrono::seconds(90));
  INFO("B log after resize:\n" << b.log());
  REQUIRE(arrived);
  CHECK(ReadFile(b.Path("big.bin")) == big);
  a.Stop();
  b.Stop();
}

}  // namespace shoal::e2e
