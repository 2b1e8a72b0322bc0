// Temp files fsynced off the pass (FolderEngine::set_offload, as the
// daemon runs them on libuv's thread pool): a file is placed only once its
// sync has run, the pass goes on meanwhile, and a pass is woken once a
// batch can go, not once per file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/core/sync/engine_pair.h"
#include "tests/support/queued_offload.h"

namespace shoal {
namespace {

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ReadDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Delivers and pulls on device 1 until a pass leaves the queue as it was.
void PullUntilStill(testing::EngineCluster& c, testing::QueuedOffload& offload) {
  for (int round = 0; round < 20; ++round) {
    c.DeliverAll();
    const std::size_t before = offload.size();
    REQUIRE(c[1].engine->Pull());
    if (c.queue.empty() && offload.size() == before) return;
  }
}

}  // namespace

TEST_CASE("offloaded fsyncs: a file is placed only after its sync ran and one wake per batch",
          "[sync][pull][offload]") {
  PullerConfig pull;
  pull.syncs_per_pass = GENERATE(std::size_t{0}, std::size_t{2});
  INFO("syncs per pass " << pull.syncs_per_pass);
  testing::EngineCluster c(2, pull, /*on_disk=*/{1});
  // After the cluster, so it goes first and finishes any queued sync that
  // the engines' destruction would otherwise wait for.
  testing::QueuedOffload offload;
  int wakes = 0;
  c[1].engine->set_offload(&offload, [&wakes] { wakes++; });
  c.Connect(0, 1);
  std::map<std::string, std::string> content;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "dir/f" + std::to_string(i) + ".bin";
    content[name] = RandomBytes(10'000 + static_cast<std::size_t>(i) * 3'000, i);
    c[0].fs.WriteFile(name, content[name], c.clock.now - 10'000'000'000);
  }
  c.Scan(0);
  c.Scan(1);

  // Assembled, and waiting for their syncs: nothing is at its name yet, the
  // index has none of them, and further passes do not place them.
  PullUntilStill(c, offload);
  REQUIRE(offload.size() > 0);
  if (pull.syncs_per_pass != 0) CHECK(offload.size() == pull.syncs_per_pass);
  for (int again = 0; again < 3; ++again) REQUIRE(c[1].engine->Pull());
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK_FALSE(std::filesystem::exists(c[1].root + "/" + name));
    auto entry = c[1].index->GetFile(c[1].folder_key, c[1].local_key, name).value();
    CHECK_FALSE(entry);
  }
  CHECK(wakes == 0);

  // The syncs finish (each finished one starts the next within the bound):
  // one wake, when the last is done, and the next pass places them all in
  // one batch.
  int batches = 0;
  while (offload.size() > 0) {
    offload.RunQueued();
    batches++;
    REQUIRE(batches < 10);
  }
  CHECK(wakes == 1);
  auto pass = c[1].engine->Pull();
  REQUIRE(pass);
  CHECK(pass->applied == 6);
  for (const auto& [name, bytes] : content) {
    INFO(name);
    CHECK(ReadDisk(c[1].root + "/" + name) == bytes);
    auto entry = c[1].index->GetFile(c[1].folder_key, c[1].local_key, name).value();
    REQUIRE(entry);
    CHECK(entry->size == static_cast<std::int64_t>(bytes.size()));
  }
  CHECK(c[1].engine->Idle());
}

}  // namespace shoal
