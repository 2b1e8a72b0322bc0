// Names that differ only in case, from a paired device, against a victim
// whose folder is on a file system that folds case (issue 15): written,
// "REPORT.txt" would land on the victim's "report.txt". Runs where the test
// can mount a vfat or exFAT image (root, a loop device); skips with a WARN
// elsewhere.
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/hash/block_hash.h"
#include "tests/hostile/crafted.h"
#include "tests/hostile/victim.h"
#include "tests/support/case_folding_mount.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

FileInfo Announced(const std::string& name, std::int64_t sequence, ByteSpan content,
                   std::uint64_t seed) {
  FileInfo f = hostile::Announced(name, sequence);
  if (!content.empty()) {
    f.blocks.push_back(
        BlockRef{static_cast<std::uint32_t>(content.size()), HashBlock(content, seed)});
    f.size = static_cast<std::int64_t>(content.size());
  }
  return f;
}

TEST_CASE(
    "hostile: on a case-folding folder names that differ only in case are refused and nothing "
    "is overwritten",
    "[hostile]") {
  std::string why_not;
  auto mount = testing::CaseFoldingMount::Make(why_not);
  if (!mount) {
    WARN("skipped: " << why_not);
    return;
  }
  WARN("the victim's folder is on " << mount->kind());
  Scene scene([&](e2e::TestDevice& victim) {
    fs::remove(victim.sync_dir());
    fs::create_directory_symlink(mount->path(), victim.sync_dir());
  });
  e2e::WriteFile(scene.victim().Path("report.txt"), "precious\n");
  REQUIRE(e2e::Eventually([&] { return fs::exists(scene.honest().Path("report.txt")); }, 60s));
  auto mallory = scene.Mallory();
  std::uint64_t seed = 0;
  for (const auto& share : mallory->shared_folders()) {
    if (share.id == scene.folder()) seed = share.hash_seed;
  }
  const std::string text = "mallory\n";
  const ByteSpan content(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  net::wire::IndexUpdate update;
  update.folder = scene.folder();
  update.files = {Announced("REPORT.txt", 1, content, seed),
                  Announced("Notes.md", 2, content, seed), Announced("NOTES.md", 3, {}, seed),
                  Announced("fine.txt", 4, content, seed)};
  REQUIRE(mallory->QueueMessage(update));
  REQUIRE(mallory->Flush());
  const std::size_t served = ServeRequests(
      *mallory, content, [&] { return fs::exists(scene.victim().Path("fine.txt")); }, 60s);
  // A little longer for anything that would still land on report.txt.
  ServeRequests(
      *mallory, content, [] { return false; }, 5s);
  std::string listing;
  for (const auto& entry : fs::directory_iterator(scene.victim().sync_dir())) {
    listing += " " + entry.path().filename().string();
  }
  WARN("Mallory served " << served << " requests; the victim's folder holds" << listing);
  INFO(scene.victim().log());
  // One file per name on the disk, under the name it was announced with,
  // and no twin left half-made (before the fix: "NOTES.md" holding
  // Notes.md's bytes, and .shoal.tmp.REPORT.txt waiting beside report.txt).
  CHECK(listing.find(" Notes.md") != std::string::npos);
  CHECK(listing.find("NOTES.md") == std::string::npos);
  CHECK(listing.find("REPORT.txt") == std::string::npos);
  CHECK(e2e::ReadFile(scene.victim().Path("fine.txt")) == text);
  CHECK(e2e::ReadFile(scene.victim().Path("report.txt")) == "precious\n");
  CHECK(e2e::ReadFile(scene.victim().Path("Notes.md")) == text);
  CHECK(e2e::ReadFile(scene.honest().Path("report.txt")) == "precious\n");
  CHECK(scene.Logged("'REPORT.txt' differs only in case from 'report.txt'"));
  CHECK(scene.Logged("'NOTES.md' differs only in case from 'Notes.md'"));
  scene.ExpectUnharmed();
  CHECK(e2e::ReadFile(scene.honest().Path("report.txt")) == "precious\n");
}

}  // namespace
}  // namespace shoal::hostile
