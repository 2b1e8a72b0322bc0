// Attacks through block lists from a paired device (issue 15): a file
// announced as far more blocks than its size allows, which the victim
// would fetch block by block, keep, and announce to every other device.
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/hash/block_hash.h"
#include "net/wire/record.h"
#include "tests/hostile/crafted.h"
#include "tests/hostile/victim.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using net::wire::RecordType;

std::uint64_t SeedOf(const HostilePeer& mallory, const std::string& folder) {
  for (const auto& share : mallory.shared_folders()) {
    if (share.id == folder) return share.hash_seed;
  }
  FAIL("the victim did not share " << folder << " with Mallory");
  return 0;
}

TEST_CASE(
    "hostile: a file of 1-byte blocks is refused by block-size rules and the victim keeps "
    "syncing with others",
    "[hostile]") {
  Scene scene;
  auto mallory = scene.Mallory();
  // 400,000 blocks of one byte for a 400,000-byte file: under the old cap
  // of blocks per entry (kMaxFileBlocks), 16,000 times what the chunker
  // would cut (at least 16 KiB a block, so 25 blocks).
  constexpr std::size_t kBlocks = 400'000;
  const Bytes byte{'x'};
  FileInfo tiny = Announced("one-byte-blocks.bin", 1);
  tiny.blocks.assign(kBlocks, BlockRef{1, HashBlock(byte, SeedOf(*mallory, scene.folder()))});
  tiny.size = static_cast<std::int64_t>(kBlocks);
  net::wire::IndexUpdate update;
  update.folder = scene.folder();
  update.files = {tiny, Announced("fine.txt", 2)};
  REQUIRE(mallory->QueueMessage(update));
  REQUIRE(mallory->Flush());
  const std::string refusal = "400000 blocks for 400000 bytes";
  const auto start = std::chrono::steady_clock::now();
  const std::size_t served = ServeRequests(
      *mallory, byte,
      [&] {
        return fs::exists(scene.victim().Path("fine.txt")) &&
               (scene.Logged(refusal) || fs::exists(scene.victim().Path("one-byte-blocks.bin")));
      },
      120s);
  WARN("Mallory served " << served << " block requests in "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count()
                         << " ms; victim VmHWM " << Sample(scene.victim().pid()).peak_rss_kib
                         << " KiB");
  CHECK(fs::exists(scene.victim().Path("fine.txt")));
  CHECK(e2e::Eventually([&] { return fs::exists(scene.honest().Path("fine.txt")); }, 60s));
  INFO(scene.victim().log());
  CHECK(scene.Logged(refusal));
  CHECK(served == 0);
  CHECK_FALSE(fs::exists(scene.victim().Path("one-byte-blocks.bin")));
  CHECK_FALSE(fs::exists(scene.honest().Path("one-byte-blocks.bin")));
  scene.ExpectUnharmed();
}

}  // namespace
}  // namespace shoal::hostile
