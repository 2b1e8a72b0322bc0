// Two (or three) real daemons on loopback, driven through the CLI only.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

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

bool SameTrees(const TestDevice& a, const TestDevice& b) {
  return Tree(a.sync_dir()) == Tree(b.sync_dir());
}

// Both trees equal and both sides with nothing left to pull.
bool Converged(const TestDevice& a, const TestDevice& b) {
  if (!SameTrees(a, b)) return false;
  for (const TestDevice* d : {&a, &b}) {
    const auto status = d->Status();  // range-for over a temporary's member would dangle
    for (const auto& f : status["folders"]) {
      if (f["need"].get<int>() != 0) return false;
    }
  }
  return true;
}

void RequireConverged(const TestDevice& a, const TestDevice& b) {
  bool converged = Eventually([&] { return Converged(a, b); }, std::chrono::seconds(60));
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(converged);
}

}  // namespace

TEST_CASE("two daemons pair through the CLI and keep a folder identical both ways", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  WriteFile(a.Path("docs/a.txt"), "from alpha");
  WriteFile(a.Path("docs/deep/nested/n.txt"), RandomText(300'000, 1));
  WriteFile(b.Path("b.txt"), "from beta");
  ShareFolder(a, b, "Shared");
  RequireConverged(a, b);
  CHECK(ReadFile(b.Path("docs/a.txt")) == "from alpha");
  CHECK(ReadFile(a.Path("b.txt")) == "from beta");

  // Edits on either side, no manual rescan: the watchers see them.
  WriteFile(b.Path("docs/a.txt"), "edited on beta");
  fs::rename(a.Path("docs/deep"), a.Path("docs/moved"));
  fs::create_directories(a.Path("empty/dir"));
  fs::remove(b.Path("b.txt"));
  fs::create_symlink("a.txt", a.Path("docs/link"));
  RequireConverged(a, b);
  CHECK(ReadFile(a.Path("docs/a.txt")) == "edited on beta");
  CHECK(fs::exists(b.Path("docs/moved/nested/n.txt")));
  CHECK_FALSE(fs::exists(b.Path("docs/deep")));
  CHECK(fs::is_directory(b.Path("empty/dir")));
  CHECK_FALSE(fs::exists(a.Path("b.txt")));
  CHECK(fs::read_symlink(b.Path("docs/link")) == "a.txt");

  // Deleting a directory with everything in it.
  fs::remove_all(b.Path("docs/moved"));
  RequireConverged(a, b);
  CHECK_FALSE(fs::exists(a.Path("docs/moved")));
  a.Stop();
  b.Stop();
}

TEST_CASE("devices added by ID on both sides connect without an invite and sync", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  auto connected = [](const TestDevice& d) {
    auto devices = d.Json({"devices"})["devices"];
    return devices.size() == 1 && devices[0]["connected"].get<bool>();
  };
  // One side alone is not enough: beta refuses a device it does not know.
  a.Json({"devices", "add", b.id(), "--address", "127.0.0.1:" + std::to_string(b.port()), "--name",
          "beta"});
  Eventually([&] { return b.log().find(a.id().substr(0, 7)) != std::string::npos; },
             std::chrono::seconds(10));
  CHECK_FALSE(connected(a));
  b.Json({"devices", "add", a.id(), "--address", "127.0.0.1:" + std::to_string(a.port())});
  bool both = Eventually([&] { return connected(a) && connected(b); });
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(both);
  WriteFile(a.Path("provisioned.txt"), "no invite needed");
  ShareFolder(a, b, "Provisioned");
  RequireConverged(a, b);
  CHECK(ReadFile(b.Path("provisioned.txt")) == "no invite needed");
  a.Stop();
  b.Stop();
}

TEST_CASE("a change shows up on the other device without any rescan", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  ShareFolder(a, b, "Live");
  RequireConverged(a, b);
  // The full rescan runs hourly: only the watcher can make this fast.
  auto start = std::chrono::steady_clock::now();
  WriteFile(a.Path("live.txt"), "now");
  bool arrived = Eventually([&] { return ReadFile(b.Path("live.txt")) == "now"; });
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("change visible on the other device after " << took << " s");
  REQUIRE(arrived);
}

TEST_CASE("edits made while apart become the same conflict copy on both devices", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  WriteFile(a.Path("report.txt"), "original");
  ShareFolder(a, b, "Docs");
  RequireConverged(a, b);
  b.Stop();
  WriteFile(a.Path("report.txt"), "alpha's version");
  a.Json({"rescan"});
  WriteFile(b.Path("report.txt"), "beta's version, written later");
  b.Start();
  RequireConverged(a, b);
  auto conflicts = a.Json({"conflicts"})["conflicts"];
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["original"] == "report.txt");
  CHECK(b.Json({"conflicts"})["conflicts"].size() == 1);
  std::string copy = conflicts[0]["name"].get<std::string>();
  // Both contents survive, under the same names on both devices.
  std::set<std::string> contents{ReadFile(a.Path("report.txt")), ReadFile(a.Path(copy))};
  CHECK(contents == std::set<std::string>{"alpha's version", "beta's version, written later"});
  CHECK(ReadFile(b.Path(copy)) == ReadFile(a.Path(copy)));
  a.Stop();
  b.Stop();
}

TEST_CASE("after a restart only new index entries cross the wire", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  for (int i = 0; i < 200; ++i) WriteFile(a.Path("f" + std::to_string(i)), std::to_string(i));
  ShareFolder(a, b, "Many");
  RequireConverged(a, b);
  b.Stop();
  WriteFile(a.Path("new.txt"), "one more");
  b.Start();
  RequireConverged(a, b);
  auto devices = b.Json({"devices"})["devices"];
  REQUIRE(devices.size() == 1);
  // This session: the one new file (a directory-less folder has no others).
  CHECK(devices[0]["index_entries_in"].get<int>() == 1);
  a.Stop();
  b.Stop();
}

TEST_CASE("kill -9 of the receiver mid-transfer: restart completes, no partial file",
          "[e2e][slow]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  const std::size_t size = std::size_t{256} << 20;
  {
    std::string chunk = RandomText(1 << 20, 9);
    std::ofstream out(a.Path("big.bin"), std::ios::binary);
    for (std::size_t i = 0; i < size >> 20; ++i) {
      chunk[i % chunk.size()] ^= 1;  // no two MiB alike: nothing to reuse
      out << chunk;
    }
  }
  ShareFolder(a, b, "Big");
  // Kill once a good part has arrived in the temp file.
  bool receiving = Eventually([&] {
    for (const auto& e : fs::directory_iterator(b.sync_dir())) {
      if (e.path().filename().string().rfind(".shoal.tmp.", 0) == 0 && e.file_size() > 0) {
        return true;
      }
    }
    return false;
  });
  REQUIRE(receiving);
  // Mid-transfer, status shows the flow: bytes arrived within the last seconds.
  auto peers = b.Json({"devices"})["devices"];
  REQUIRE(peers.size() == 1);
  CHECK(peers[0]["rate_in"].get<double>() > 0);
  b.Kill9();
  CHECK_FALSE(fs::exists(b.Path("big.bin")));  // never a partial file under the real name
  b.Start();
  RequireConverged(a, b);
  CHECK(fs::file_size(b.Path("big.bin")) == size);
  CHECK(ReadFile(b.Path("big.bin")) == ReadFile(a.Path("big.bin")));
  a.Stop();
  b.Stop();
}

TEST_CASE("an unpaired device gets nothing and an unshared folder's names never leave", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  TestDevice c(dir.path().string(), "gamma");
  a.Start();
  b.Start();
  c.Start();
  Pair(a, b);
  fs::create_directories(dir.path() / "private");
  WriteFile((dir.path() / "private/tax-return-2026.pdf").string(), "secret");
  a.Json({"folder", "add", (dir.path() / "private").string(), "--label", "Private"});
  WriteFile(a.Path("shared-note.txt"), "for beta");
  ShareFolder(a, b, "Shared");
  RequireConverged(a, b);

  // gamma trusts alpha one-sidedly and dials it: alpha refuses.
  c.Json({"devices", "add", a.id(), "--address", "127.0.0.1:" + std::to_string(a.port())});
  Eventually([&] { return a.log().find(c.id().substr(0, 7)) != std::string::npos; },
             std::chrono::seconds(10));
  auto seen = c.Json({"devices"})["devices"];
  REQUIRE(seen.size() == 1);
  CHECK_FALSE(seen[0]["connected"].get<bool>());
  CHECK(c.Json({"folder", "offers"})["offers"].empty());

  // beta was offered only the shared folder and holds no name from the other.
  auto offers = b.Json({"folder", "offers"})["offers"];
  CHECK(offers.empty());
  for (const std::string& home : {b.home(), c.home()}) {
    for (const auto& e : fs::directory_iterator(home)) {
      if (!e.is_regular_file()) continue;
      CHECK(ReadFile(e.path().string()).find("tax-return") == std::string::npos);
    }
  }
  CHECK(b.log().find("tax-return") == std::string::npos);
  a.Stop();
  b.Stop();
  c.Stop();
}

}  // namespace shoal::e2e
