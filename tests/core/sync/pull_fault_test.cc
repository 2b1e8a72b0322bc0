// Real-disk crash points: the puller stops at each step of finishing a batch
// (as if the process died there), the device restarts, and every target is
// either its old or its new content, never a mix; the index agrees with the
// disk; the pull then completes and leaves no temp file.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "core/hash/block_hash.h"
#include "tests/core/sync/engine_pair.h"
#include "tests/support/test_bytes.h"

namespace shoal {

using testing::RandomString;
using testing::ReadDisk;

namespace {

const char* StepName(PullStep step) {
  switch (step) {
    case PullStep::kAfterWrite:
      return "after write";
    case PullStep::kAfterSync:
      return "after fsync";
    case PullStep::kAfterRename:
      return "after rename";
    case PullStep::kBeforeCommit:
      return "before commit";
  }
  return "?";
}

}  // namespace

TEST_CASE("a pull interrupted at any step leaves old or new content and a truthful index",
          "[sync][pull][fault][disk]") {
  auto step = GENERATE(PullStep::kAfterWrite, PullStep::kAfterSync, PullStep::kAfterRename,
                       PullStep::kBeforeCommit);
  // As the daemon runs it (a batch's fsyncs spread over passes), and whole.
  auto syncs_per_pass = GENERATE(std::size_t{0}, std::size_t{1});
  INFO("crash " << StepName(step) << ", syncs per pass " << syncs_per_pass);
  auto armed = std::make_shared<bool>(false);
  PullerConfig pull;
  pull.syncs_per_pass = syncs_per_pass;
  pull.fault = [armed, step](PullStep at) -> Result<void> {
    if (*armed && at == step) {
      *armed = false;
      return Fail(ErrorCode::kCancelled, std::string("injected crash ") + StepName(at));
    }
    return {};
  };
  testing::EngineCluster c(2, pull, /*on_disk=*/{1});
  c.Connect(0, 1);
  const std::vector<std::string> names = {"a.bin", "dir/b.bin", "dir/c.txt"};
  std::map<std::string, std::string> old_content, new_content;
  for (std::size_t i = 0; i < names.size(); ++i) {
    old_content[names[i]] = RandomString(150'000 + i * 70'000, i);
    new_content[names[i]] = RandomString(120'000 + i * 90'000, 100 + i);
    c[0].fs.WriteFile(names[i], old_content[names[i]], c.clock.now);
  }
  c.Settle();
  for (const auto& n : names) REQUIRE(ReadDisk(c[1].root + "/" + n) == old_content[n]);

  for (const auto& n : names) c[0].fs.WriteFile(n, new_content[n], c.clock.now + 1'000'000'000);
  c.clock.now += 3'000'000'000;
  c.Scan(0);
  *armed = true;
  bool crashed = false;
  for (int round = 0; round < 50 && !crashed; ++round) {
    c.DeliverAll();
    auto pass = c[1].engine->Pull();
    crashed = !pass;
    if (crashed) CHECK(pass.error().code == ErrorCode::kCancelled);
  }
  REQUIRE(crashed);
  c.Crash(1);

  // On disk: each target is wholly old or wholly new.
  for (const auto& n : names) {
    std::string now = ReadDisk(c[1].root + "/" + n);
    INFO(n);
    CHECK((now == old_content[n] || now == new_content[n]));
  }
  // After a restart and a scan, the index describes exactly what is on disk.
  c.Restart(1);
  c.Scan(1);
  for (const auto& n : names) {
    auto entry = c[1].index->GetFile(c[1].folder_key, c[1].local_key, n).value();
    REQUIRE(entry);
    std::string now = ReadDisk(c[1].root + "/" + n);
    std::size_t pos = 0;
    auto blocks = HashBlocks(
        [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
          std::size_t k = std::min(out.size(), now.size() - pos);
          std::memcpy(out.data(), now.data() + pos, k);
          pos += k;
          return k;
        },
        static_cast<std::int64_t>(now.size()), 0x5eed);
    REQUIRE(blocks);
    INFO(n);
    CHECK(entry->blocks == *blocks);
  }
  c.Connect(0, 1);
  c.Settle();
  for (const auto& n : names) CHECK(ReadDisk(c[1].root + "/" + n) == new_content[n]);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(c[1].root)) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().rfind(".shoal.tmp.", 0) == std::string::npos);
  }
  // No conflict copies: the interrupted pull was not mistaken for a local
  // edit. Each old content is kept once in .shoal/versions.
  std::size_t count = 0;
  std::multiset<std::string> kept, old;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(c[1].root)) {
    if (!entry.is_regular_file()) continue;
    if (entry.path().string().starts_with(c[1].root + "/.shoal/versions/")) {
      kept.insert(ReadDisk(entry.path().string()));
    } else if (entry.path().parent_path().filename() != kMarkerDir) {  // not .shoal/folder-id
      ++count;
    }
  }
  CHECK(count == names.size());
  for (const auto& n : names) old.insert(old_content[n]);
  CHECK(kept == old);
}

}  // namespace shoal
