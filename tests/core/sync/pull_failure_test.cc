// One failing name never stops a folder (issue 11, item 4): for each thing
// that used to end a whole pull pass, another file in the same folder still
// arrives, and the failing name is retried with a per-name backoff.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/version/conflict.h"
#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

constexpr std::int64_t kSecond = 1'000'000'000;

std::string ReadDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteDisk(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

bool HasFailure(FolderEngine& engine, const std::string& name, const std::string& reason_start) {
  for (const PullFailure& f : engine.PullFailures()) {
    if (f.name == name && f.reason.starts_with(reason_start)) return true;
  }
  return false;
}

// Delivers what is queued and runs one pull pass on `device`.
PullPass PullOnce(EngineCluster& c, int device) {
  c.DeliverAll();
  auto pass = c[device].engine->Pull();
  INFO((pass ? std::string() : pass.error().ToString()));
  REQUIRE(pass);
  c.DeliverAll();
  return *pass;
}

}  // namespace

TEST_CASE("a conflict on a name too long for a conflict copy suffix keeps both, and others arrive",
          "[sync][engine][failure][disk]") {
  EngineCluster c(2, {}, /*on_disk=*/{1});
  const std::string name = std::string(230, 'n') + ".txt";  // + 38-byte suffix > 255
  c.Connect(0, 1);
  c[0].fs.WriteFile(name, "original", c.clock.now);
  c.Settle();
  REQUIRE(ReadDisk(c[1].root + "/" + name) == "original");
  c.Disconnect(0, 1);
  WriteDisk(c[1].root + "/" + name, "edited on one, older");  // real mtime: loses
  c[0].fs.WriteFile(name, "edited on zero, newer", c.clock.now + kSecond);
  c[0].fs.WriteFile("other.txt", "still arrives", c.clock.now);
  c.ScanAndHeal(0, 1);

  CHECK(ReadDisk(c[1].root + "/other.txt") == "still arrives");
  CHECK(ReadDisk(c[1].root + "/" + name) == "edited on zero, newer");
  int copies = 0;
  for (const auto& e : std::filesystem::directory_iterator(c[1].root)) {
    std::string copy = e.path().filename().string();
    if (copy.find(".sync-conflict-") == std::string::npos) continue;
    ++copies;
    CHECK(copy.size() <= 255);
    CHECK(copy.starts_with("nnnn"));
    CHECK(copy.ends_with(".txt"));
    CHECK(ReadDisk(e.path().string()) == "edited on one, older");
    CHECK(c[0].fs.Content(copy) == "edited on one, older");  // and it synced back
  }
  CHECK(copies == 1);
  CHECK(c[1].engine->PullFailures().empty());
}

TEST_CASE("a symlink whose target leaves the folder is refused on receipt, others arrive",
          "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[0].fs.AddSymlink("docs/escape", "../../etc/passwd");
  c[0].fs.AddSymlink("absolute", "/etc/passwd");
  c[0].fs.AddSymlink("docs/fine", "../other.txt");
  c[0].fs.WriteFile("other.txt", "still arrives", c.clock.now);
  c.Settle();
  CHECK(c[1].fs.Content("other.txt") == "still arrives");
  CHECK(c[1].fs.ReadLink("docs/fine").value() == "../other.txt");
  CHECK_FALSE(c[1].fs.Lstat("docs/escape"));
  CHECK_FALSE(c[1].fs.Lstat("absolute"));
  std::set<std::string> refused;
  for (const EngineProblem& p : c[1].engine->problems()) refused.insert(p.name);
  CHECK(refused == std::set<std::string>{"absolute", "docs/escape"});
}

TEST_CASE("an unreadable .shoalignore keeps its last good rules, others arrive",
          "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c[1].fs.WriteFile(".shoalignore", "*.log\n", c.clock.now);
  c.Settle();
  c[1].fs.SetUnreadable(".shoalignore", true);
  c[1].fs.WriteFile("local.log", "stays here", c.clock.now);
  c[0].fs.WriteFile("other.txt", "still arrives", c.clock.now);
  c.Settle();  // every scan and pull succeeds
  CHECK(c[1].fs.Content("other.txt") == "still arrives");
  CHECK_FALSE(c[0].fs.Lstat("local.log"));  // still ignored on one
}

TEST_CASE("a .shoalignore that is a symlink or directory on a peer is never pulled",
          "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  FileInfo link;
  link.name = ".shoalignore";
  link.type = FileType::kSymlink;
  link.symlink_target = "elsewhere";
  link.version.Set(c[0].short_id, 5);
  link.sequence = 100;
  FileInfo fine;
  fine.name = "fine";
  fine.type = FileType::kDirectory;
  fine.permissions = 0755;
  fine.version.Set(c[0].short_id, 5);
  fine.sequence = 101;
  IndexBatch batch{"shared", 1000, false, {link, fine}};
  REQUIRE(c[1].engine->Receive(c[1].keys[0], batch));
  REQUIRE(c[1].engine->problems().size() == 1);
  CHECK(c[1].engine->problems()[0].name == ".shoalignore");
  REQUIRE(c[1].engine->Pull());
  CHECK_FALSE(c[1].fs.Lstat(".shoalignore"));
  CHECK(c[1].fs.Lstat("fine").value().kind == EntryKind::kDirectory);
}

TEST_CASE("directories whose mode blocks their own children still receive them",
          "[sync][engine][failure]") {
  EngineCluster c(2);
  c[1].fs.SetEnforceDirectoryPermissions(true);  // as a non-root process
  c.Connect(0, 1);
  // Made on one, whose own modes deny writing into them.
  c[1].fs.MakeDirectory("locked", 0555);
  c[1].fs.WriteFile("locked/inside.txt", "in a 0555 directory", c.clock.now);
  c[1].fs.MakeDirectory("sealed/deeper", 0500);
  c[1].fs.WriteFile("sealed/deeper/inside.txt", "in a 0500 directory", c.clock.now);
  c[1].fs.SetPermissions("sealed", 0000);
  c.Settle();
  REQUIRE(c[0].fs.Content("locked/inside.txt") == "in a 0555 directory");
  // Zero adds and removes files inside them; one must write there.
  c[0].fs.WriteFile("locked/second.txt", "added later", c.clock.now);
  c[0].fs.WriteFile("sealed/deeper/new.txt", "added under a 0000 directory", c.clock.now);
  c[0].fs.Remove("locked/inside.txt");
  c[0].fs.WriteFile("other.txt", "still arrives", c.clock.now);
  c.Settle();
  CHECK(c[1].fs.Content("other.txt") == "still arrives");
  CHECK(c[1].fs.Content("locked/second.txt") == "added later");
  CHECK(c[1].fs.Content("sealed/deeper/new.txt") == "added under a 0000 directory");
  CHECK_FALSE(c[1].fs.Lstat("locked/inside.txt"));
  CHECK(c[1].engine->PullFailures().empty());
  // The modes are back, and holding them writable was no local change.
  CHECK(c[1].fs.Lstat("locked").value().permissions == 0555);
  CHECK(c[1].fs.Lstat("sealed").value().permissions == 0000);
  CHECK(c[1].fs.Lstat("sealed/deeper").value().permissions == 0500);
  for (auto [dir, mode] : std::vector<std::pair<std::string, std::uint32_t>>{
           {"locked", 0555}, {"sealed", 0000}, {"sealed/deeper", 0500}}) {
    INFO(dir);
    auto one = c[1].index->GetFile(c[1].folder_key, c[1].local_key, dir).value();
    auto zero = c[0].index->GetFile(c[0].folder_key, c[0].local_key, dir).value();
    REQUIRE(one);
    REQUIRE(zero);
    CHECK(one->version == zero->version);
    CHECK(one->permissions == mode);
  }
}

TEST_CASE("a directory made from a peer's entry is owner-writable while its files arrive",
          "[sync][engine][failure]") {
  EngineCluster c(2);
  c[1].fs.SetEnforceDirectoryPermissions(true);
  c.Connect(0, 1);
  c[0].fs.MakeDirectory("locked", 0555);
  c[0].fs.WriteFile("locked/inside.txt", "in a 0555 directory", c.clock.now);
  c[0].fs.WriteFile("other.txt", "still arrives", c.clock.now);
  c.Settle();
  CHECK(c[1].fs.Content("other.txt") == "still arrives");
  CHECK(c[1].fs.Content("locked/inside.txt") == "in a 0555 directory");
  CHECK((c[1].fs.Lstat("locked").value().permissions & 0700) == 0700);
  CHECK(c[1].engine->PullFailures().empty());
}

TEST_CASE(
    "a file that does not fit fails alone as 'disk full', waits out its backoff, "
    "and arrives once space is freed",
    "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  c[1].fs.SetFreeSpace(100'000);
  c[0].fs.WriteFile("big.bin", std::string(300'000, 'b'), c.clock.now);
  c[0].fs.WriteFile("small.txt", "fits", c.clock.now);
  c.clock.now += 3 * kSecond;
  c.Scan(0);
  PullOnce(c, 1);
  PullOnce(c, 1);
  CHECK(c[1].fs.Content("small.txt") == "fits");
  REQUIRE(HasFailure(*c[1].engine, "big.bin", "disk full"));
  CHECK_FALSE(c[1].fs.Lstat("big.bin"));
  CHECK(c[1].engine->Idle());  // nothing it can do before the retry time

  // Not retried before 10 s have passed; retried (and failing) at 10 s.
  c[1].fs.SetFreeSpace(200'000);
  c.clock.now += 9 * kSecond;
  CHECK(PullOnce(c, 1).backing_off == 1);
  c.clock.now += 1 * kSecond;
  PullPass retried = PullOnce(c, 1);
  CHECK(retried.backing_off == 0);
  REQUIRE(c[1].engine->PullFailures().size() == 1);
  CHECK(c[1].engine->PullFailures()[0].attempts == 2);
  // The second wait is 20 s.
  CHECK(*c[1].engine->NextRetryNanos() == c.clock.now + 20 * kSecond);

  // Space is freed: it arrives by itself at its next retry.
  c[1].fs.SetFreeSpace(std::nullopt);
  c.clock.now += 19 * kSecond;
  CHECK(PullOnce(c, 1).backing_off == 1);
  c.clock.now += 1 * kSecond;
  for (int i = 0; i < 5 && !c[1].fs.Lstat("big.bin"); ++i) PullOnce(c, 1);
  CHECK(c[1].fs.Content("big.bin") == std::string(300'000, 'b'));
  CHECK(c[1].engine->PullFailures().empty());
}

TEST_CASE(
    "files started in one pass claim their unwritten bytes: the one that no longer fits beside "
    "them fails as 'disk full' and the others arrive",
    "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  // 100,000 bytes in all keep 1,000 free: a file of 40,000 fits alone, two
  // fit together, the third does not fit beside the two being assembled.
  c[1].fs.SetFreeSpace(100'000);
  for (char name : {'a', 'b', 'c'}) {
    c[0].fs.WriteFile(std::string(1, name) + ".bin", std::string(40'000, name), c.clock.now);
  }
  c.clock.now += 3 * kSecond;
  c.Scan(0);
  c.DeliverAll();
  auto pass = c[1].engine->Pull();  // starts all three: none has a block yet
  REQUIRE(pass);
  REQUIRE(pass->failed.size() == 1);
  CHECK(pass->failed[0].starts_with("c.bin: disk full: needs 40000 bytes, "));
  CHECK(pass->failed[0].ends_with("(keeping 1000 free, and 80000 for files being assembled)"));
  for (int i = 0; i < 5 && !c[1].fs.Lstat("b.bin"); ++i) PullOnce(c, 1);
  CHECK(c[1].fs.Content("a.bin") == std::string(40'000, 'a'));
  CHECK(c[1].fs.Content("b.bin") == std::string(40'000, 'b'));
  CHECK_FALSE(c[1].fs.Lstat("c.bin"));
  CHECK(HasFailure(*c[1].engine, "c.bin", "disk full"));
}

TEST_CASE("a new version of a failing name is tried at once", "[sync][engine][failure]") {
  EngineCluster c(2);
  c.Connect(0, 1);
  c.Settle();
  c[1].fs.SetFreeSpace(100'000);
  c[0].fs.WriteFile("big.bin", std::string(300'000, 'b'), c.clock.now);
  c.clock.now += 3 * kSecond;
  c.Scan(0);
  PullOnce(c, 1);
  REQUIRE(HasFailure(*c[1].engine, "big.bin", "disk full"));
  c[0].fs.WriteFile("big.bin", std::string(50'000, 's'), c.clock.now + kSecond);
  c.clock.now += 3 * kSecond;  // well before the 10 s retry
  c.Scan(0);
  PullOnce(c, 1);
  PullOnce(c, 1);
  CHECK(c[1].fs.Content("big.bin") == std::string(50'000, 's'));
  CHECK(c[1].engine->PullFailures().empty());
}

}  // namespace shoal
