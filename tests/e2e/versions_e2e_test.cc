// Versions with real daemons: what a peer deletes is kept, listed by
// `shoal versions` and brought back everywhere by `shoal restore`.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

bool NothingNeeded(const TestDevice& d) {
  const auto status = d.Status();
  for (const auto& f : status["folders"]) {
    if (f["need"].get<int>() != 0) return false;
  }
  return true;
}

void RequireConverged(const TestDevice& a, const TestDevice& b) {
  bool converged = Eventually(
      [&] {
        return Tree(a.sync_dir()) == Tree(b.sync_dir()) && NothingNeeded(a) && NothingNeeded(b);
      },
      std::chrono::seconds(60));
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(converged);
}

}  // namespace

TEST_CASE("a file B deletes is kept on A, listed by `shoal versions` and restored on both",
          "[e2e][versions]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  const std::string content = "quarterly numbers, the only copy";
  WriteFile(a.Path("docs/report.txt"), content);
  WriteFile(a.Path("other.txt"), "stays");
  const std::string folder = ShareFolder(a, b, "Shared");
  RequireConverged(a, b);

  fs::remove(b.Path("docs/report.txt"));
  REQUIRE(Eventually([&] { return !fs::exists(a.Path("docs/report.txt")); }));
  RequireConverged(a, b);

  // A kept its copy, and says so.
  auto listed = a.Json({"versions", folder});
  INFO(listed.dump(2));
  REQUIRE(listed["versions"].size() == 1);
  const auto& kept = listed["versions"][0];
  CHECK(kept["path"] == "docs/report.txt");
  CHECK(kept["size"].get<std::int64_t>() == static_cast<std::int64_t>(content.size()));
  CHECK(ReadFile(kept["location"].get<std::string>()) == content);
  CHECK(kept["stored"].get<std::string>().starts_with(".shoal/versions/docs/report.txt~"));
  CliResult human = a.Cli({"versions", "Shared", "docs"});
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("docs/report.txt") != std::string::npos);
  CHECK(human.out.find(kept["time"].get<std::string>()) != std::string::npos);
  CHECK(b.Json({"versions", folder})["versions"].empty());  // B deleted it itself

  // Clear errors, exit code 1.
  CliResult missing = a.Cli({"restore", folder, "docs/never.txt"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "shoal: no version of 'docs/never.txt' is kept\n");
  CliResult bad_time = a.Cli({"restore", folder, "docs/report.txt", "--at", "last tuesday"});
  CHECK(bad_time.exit_code == 1);
  CHECK(bad_time.err.find("--at wants a UTC time") != std::string::npos);
  CliResult outside = a.Cli({"restore", folder, "/etc/hostname"});
  CHECK(outside.exit_code == 1);
  CHECK(outside.err.find("/etc/hostname is not inside folder " + folder) != std::string::npos);
  CHECK(a.Cli({"versions", "no-such-folder"}).exit_code == 1);
  CHECK(a.Cli({"restore", folder}).exit_code == 2);  // usage: PATH is required

  // Restore on A: back on A at once, then on B as a new change.
  CliResult restored =
      a.Cli({"restore", folder, "docs/report.txt", "--at", kept["time"].get<std::string>()});
  INFO(restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK(restored.out.find("restored docs/report.txt") != std::string::npos);
  CHECK(ReadFile(a.Path("docs/report.txt")) == content);
  RequireConverged(a, b);
  CHECK(ReadFile(b.Path("docs/report.txt")) == content);
  CHECK(a.Json({"versions", folder})["versions"].empty());  // it is the current file again
  CHECK(Tree(a.sync_dir()).count(".shoal") == 0);
}

}  // namespace shoal::e2e
