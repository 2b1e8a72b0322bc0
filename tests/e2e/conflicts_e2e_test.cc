// Conflicts with real daemons: `shoal conflicts` shows both sides, and the
// side kept with `shoal conflicts keep` syncs to the other device while
// the side not kept stays in the versions.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

void RequireConverged(const TestDevice& a, const TestDevice& b) {
  const bool converged = WaitConverged(a, b);
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(converged);
}

}  // namespace

TEST_CASE(
    "the conflict copy kept with `shoal conflicts keep` replaces the original on both devices",
    "[e2e][conflicts]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  WriteFile(a.Path("report.txt"), "original");
  const std::string folder = ShareFolder(a, b, "Docs");
  RequireConverged(a, b);
  b.Stop();
  WriteFile(a.Path("report.txt"), "alpha's version");
  a.Json({"rescan"});
  WriteFile(b.Path("report.txt"), "beta's version, written later");
  b.Start();
  RequireConverged(a, b);

  auto conflicts = a.Json({"conflicts"})["conflicts"];
  INFO(conflicts.dump(2));
  REQUIRE(conflicts.size() == 1);
  const auto& c = conflicts[0];
  const std::string copy = c["name"];
  const std::string copy_text = ReadFile(a.Path(copy));
  const std::string original_text = ReadFile(a.Path("report.txt"));
  CHECK(std::set<std::string>{copy_text, original_text} ==
        std::set<std::string>{"alpha's version", "beta's version, written later"});
  // Both sides, with the device that made each.
  CHECK(c["original_exists"] == true);
  CHECK(c["copy"]["size"].get<std::size_t>() == copy_text.size());
  CHECK(c["current"]["size"].get<std::size_t>() == original_text.size());
  CHECK(std::set<std::string>{c["copy"]["device_name"], c["current"]["device_name"]} ==
        std::set<std::string>{"alpha", "beta"});
  CliResult human = a.Cli({"conflicts"});
  CHECK(human.out.find("this name:") != std::string::npos);
  CHECK(human.out.find("conflict copy:") != std::string::npos);

  // Keep the copy on A: it takes the name on both devices.
  CliResult kept = a.Cli({"conflicts", "keep", a.Path(copy)});
  INFO(kept.err);
  REQUIRE(kept.exit_code == 0);
  CHECK(kept.out.find("kept the conflict copy as report.txt") != std::string::npos);
  CHECK(ReadFile(a.Path("report.txt")) == copy_text);
  RequireConverged(a, b);
  CHECK(ReadFile(b.Path("report.txt")) == copy_text);
  CHECK_FALSE(fs::exists(b.Path(copy)));
  CHECK(a.Json({"conflicts"})["conflicts"].empty());
  CHECK(b.Json({"conflicts"})["conflicts"].empty());
  // The side not kept is a version on A, not lost.
  auto versions = a.Json({"versions", folder, "report.txt"})["versions"];
  REQUIRE(versions.size() == 1);
  CHECK(ReadFile(versions[0]["location"].get<std::string>()) == original_text);
  a.Stop();
  b.Stop();
}

}  // namespace shoal::e2e
