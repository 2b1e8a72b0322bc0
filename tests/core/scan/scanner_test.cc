#include "core/scan/scanner.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/fs/posix_file_system.h"
#include "core/hash/block_hash.h"
#include "tests/support/fake_clock.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

constexpr std::uint64_t kShortId = 0x1111111111111111ull;
constexpr std::uint64_t kSeed = 0x5eed;
constexpr std::int64_t kMtime = 1'700'000'000'000'000'000;

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<BlockRef> BlocksOf(const std::string& content) {
  std::size_t offset = 0;
  auto blocks = HashBlocks(
      [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        std::size_t n = std::min(buf.size(), content.size() - offset);
        std::memcpy(buf.data(), content.data() + offset, n);
        offset += n;
        return n;
      },
      static_cast<std::int64_t>(content.size()), kSeed);
  REQUIRE(blocks);
  return *blocks;
}

struct Fixture {
  explicit Fixture(const std::string& db = ":memory:") : index(Index::Open(db).value()) {}
  MemoryFileSystem fs;
  testing::FakeClock clock;
  Index index;
  DeviceKey local = index.PutDevice({{}, DeviceId(), "me", "", true, false}).value();
  FolderKey folder = index.AddFolder({{}, "f", "/f", "", kSeed, 1}).value().key;

  ScanResult Scan(int threads = 1) {
    Scanner scanner(fs, index, clock, Config(threads));
    auto r = scanner.ScanAll();
    REQUIRE(r);
    return std::move(*r);
  }
  ScanResult ScanPaths(std::vector<std::string> paths) {
    Scanner scanner(fs, index, clock, Config(1));
    auto r = scanner.ScanPaths(paths);
    REQUIRE(r);
    return std::move(*r);
  }
  ScanConfig Config(int threads) {
    ScanConfig c;
    c.folder_key = folder;
    c.local_device_key = local;
    c.local_short_id = kShortId;
    c.hash_seed = kSeed;
    c.hash_threads = threads;
    c.batch_size = 7;  // small, so multi-batch commits are exercised
    return c;
  }
  std::optional<FileInfo> Get(const std::string& name) {
    auto f = index.GetFile(folder, local, name);
    REQUIRE(f);
    return *f;
  }
  std::int64_t MaxSequence() { return index.FindFolder("f").value()->max_sequence; }
  // Every entry of the local device, in sequence order.
  std::vector<FileInfo> LocalEntries() {
    std::vector<FileInfo> entries;
    REQUIRE(index.ForEachSince(folder, local, 0, [&](FileInfo&& f) {
      entries.push_back(std::move(f));
      return true;
    }));
    return entries;
  }
  bool HasProblem(ScanProblemKind kind, const std::string& path, const ScanResult& r) {
    return std::any_of(r.problems.begin(), r.problems.end(),
                       [&](const ScanProblem& p) { return p.kind == kind && p.path == path; });
  }
};

}  // namespace

TEST_CASE("a first scan indexes files, directories and symlinks", "[scan]") {
  Fixture fx;
  std::string big = RandomBytes(300'000, 1);
  fx.fs.WriteFile("docs/big.bin", big, kMtime, 0600);
  fx.fs.WriteFile("empty", "", kMtime);
  fx.fs.AddSymlink("link", "docs/big.bin");
  ScanResult r = fx.Scan();
  CHECK(r.files == 2);
  CHECK(r.directories == 1);
  CHECK(r.symlinks == 1);
  CHECK(r.bytes == 300'000);
  CHECK(r.changed == 4);
  CHECK(r.problems.empty());

  auto file = fx.Get("docs/big.bin");
  REQUIRE(file);
  CHECK(file->type == FileType::kFile);
  CHECK(file->size == 300'000);
  CHECK(file->mtime_ns == kMtime);
  CHECK(file->permissions == 0600);
  CHECK(file->blocks == BlocksOf(big));
  CHECK(file->version.Get(kShortId) == fx.clock.NowUnixSeconds());
  CHECK(fx.Get("docs")->type == FileType::kDirectory);
  CHECK(fx.Get("empty")->blocks.empty());
  CHECK(fx.Get("link")->symlink_target == "docs/big.bin");
  CHECK(fx.Get("link")->type == FileType::kSymlink);
  // Parents are committed before children.
  CHECK(fx.Get("docs")->sequence < file->sequence);
  CHECK(fx.MaxSequence() == 4);
}

TEST_CASE("a rescan of an unchanged tree writes and hashes nothing", "[scan]") {
  Fixture fx;
  for (int i = 0; i < 30; ++i)
    fx.fs.WriteFile("d/f" + std::to_string(i), RandomBytes(100, i), kMtime);
  fx.Scan();
  std::int64_t seq = fx.MaxSequence();
  ScanResult again = fx.Scan();
  CHECK(again.changed == 0);
  CHECK(again.deleted == 0);
  CHECK(again.hashed_files == 0);
  CHECK(again.files == 30);
  CHECK(fx.MaxSequence() == seq);
}

TEST_CASE("a changed file is re-hashed with a bumped version, others are untouched", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", "one", kMtime);
  fx.fs.WriteFile("b", "two", kMtime);
  fx.Scan();
  auto before = fx.Get("a").value();
  fx.clock.AdvanceSeconds(10);
  fx.fs.WriteFile("a", "three", kMtime + 1);
  ScanResult r = fx.Scan();
  CHECK(r.changed == 1);
  CHECK(r.hashed_files == 1);
  auto after = fx.Get("a").value();
  CHECK(after.blocks == BlocksOf("three"));
  CHECK(after.version.Compare(before.version) == Ordering::kGreater);
  CHECK(after.sequence == 3);
  CHECK(fx.Get("b")->sequence < after.sequence);
}

TEST_CASE("a same-size same-mtime change is caught by the inode", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", "xxxx", kMtime);
  fx.Scan();
  fx.fs.Remove("a");  // replaced by a new file (new inode), e.g. an atomic save
  fx.fs.WriteFile("a", "yyyy", kMtime);
  ScanResult r = fx.Scan();
  CHECK(r.hashed_files == 1);
  CHECK(fx.Get("a")->blocks == BlocksOf("yyyy"));
}

TEST_CASE("a permissions-only change keeps the blocks without re-hashing", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", RandomBytes(5000, 2), kMtime, 0644);
  fx.Scan();
  auto blocks = fx.Get("a")->blocks;
  fx.fs.SetPermissions("a", 0755);
  ScanResult r = fx.Scan();
  CHECK(r.changed == 1);
  CHECK(r.hashed_files == 0);
  CHECK(fx.Get("a")->permissions == 0755);
  CHECK(fx.Get("a")->blocks == blocks);
}

TEST_CASE("deleted files and trees become tombstones with bumped versions", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("keep", "k", kMtime);
  fx.fs.WriteFile("gone/x", "x", kMtime);
  fx.fs.WriteFile("gone/sub/y", "y", kMtime);
  fx.Scan();
  auto old = fx.Get("gone/x").value();
  fx.fs.Remove("gone");
  ScanResult r = fx.Scan();
  CHECK(r.deleted == 4);  // gone, gone/sub, gone/x, gone/sub/y
  auto tomb = fx.Get("gone/x").value();
  CHECK(tomb.deleted);
  CHECK(tomb.blocks.empty());
  CHECK(tomb.version.Compare(old.version) == Ordering::kGreater);
  CHECK(fx.Get("gone/sub")->deleted);
  CHECK_FALSE(fx.Get("keep")->deleted);
  ScanResult again = fx.Scan();  // tombstones are not re-tombstoned
  CHECK(again.deleted == 0);
  CHECK(again.changed == 0);
}

TEST_CASE("a file recreated after deletion is indexed again over its tombstone", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", "1", kMtime);
  fx.Scan();
  fx.fs.Remove("a");
  fx.Scan();
  fx.fs.WriteFile("a", "2", kMtime);
  ScanResult r = fx.Scan();
  CHECK(r.changed == 1);
  CHECK_FALSE(fx.Get("a")->deleted);
  CHECK(fx.Get("a")->version.Get(kShortId) >= 3);
}

TEST_CASE("a file that changes once while being read is re-read and indexed as it ends up",
          "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("busy", "first version", kMtime);
  int reads = 0;
  fx.fs.SetReadHook([&](const std::string& path) {
    if (path == "busy" && ++reads == 1) fx.fs.WriteFile("busy", "second version!", kMtime + 5);
  });
  ScanResult r = fx.Scan();
  CHECK(r.unstable.empty());
  CHECK(fx.Get("busy")->blocks == BlocksOf("second version!"));
  CHECK(fx.Get("busy")->mtime_ns == kMtime + 5);
}

TEST_CASE("a file that never stops changing is reported unstable and keeps its old entry",
          "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("log", "v0", kMtime);
  fx.fs.WriteFile("other", "o", kMtime);
  fx.Scan();
  int n = 0;
  fx.fs.SetReadHook([&](const std::string& path) {
    if (path != "log") return;
    ++n;
    fx.fs.WriteFile("log", "v" + std::to_string(n), kMtime + n);
  });
  fx.fs.WriteFile("log", "changed", kMtime + 100);
  ScanResult r = fx.Scan();
  CHECK(r.unstable == std::vector<std::string>{"log"});
  CHECK(fx.HasProblem(ScanProblemKind::kChangedWhileRead, "log", r));
  CHECK(fx.Get("log")->blocks == BlocksOf("v0"));
  CHECK_FALSE(fx.Get("log")->deleted);
}

TEST_CASE("permission denied is reported, the rest is scanned, old entries stay", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("secret/a", "a", kMtime);
  fx.fs.WriteFile("locked", "l", kMtime);
  fx.fs.WriteFile("open", "o", kMtime);
  fx.Scan();
  fx.fs.SetUnreadable("secret", true);
  fx.fs.SetUnreadable("locked", true);
  fx.fs.WriteFile("locked", "new", kMtime + 1);
  fx.fs.WriteFile("open", "o2", kMtime + 1);
  ScanResult r = fx.Scan();
  CHECK(fx.HasProblem(ScanProblemKind::kPermissionDenied, "secret", r));
  CHECK(fx.HasProblem(ScanProblemKind::kPermissionDenied, "locked", r));
  CHECK(r.deleted == 0);
  CHECK_FALSE(fx.Get("secret/a")->deleted);
  CHECK(fx.Get("locked")->blocks == BlocksOf("l"));
  CHECK(fx.Get("open")->blocks == BlocksOf("o2"));
}

TEST_CASE("special files are skipped with a notice", "[scan]") {
  Fixture fx;
  fx.fs.MakeSpecial("fifo");
  fx.fs.WriteFile("file", "f", kMtime);
  ScanResult r = fx.Scan();
  CHECK(fx.HasProblem(ScanProblemKind::kSpecialFile, "fifo", r));
  CHECK_FALSE(fx.Get("fifo"));
  CHECK(fx.Get("file"));
}

TEST_CASE("names that are not valid UTF-8 are skipped with an error naming the path", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("dir/bad\xff name", "x", kMtime);
  fx.fs.WriteFile("dir/good", "x", kMtime);
  ScanResult r = fx.Scan();
  REQUIRE(fx.HasProblem(ScanProblemKind::kInvalidName, "dir/bad\\xff name", r));
  CHECK_FALSE(fx.Get("dir/bad\xff name"));
  CHECK(fx.Get("dir/good"));
}

TEST_CASE("names differing only in case are flagged and both indexed", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("Readme.md", "a", kMtime);
  fx.fs.WriteFile("README.md", "b", kMtime);
  ScanResult r = fx.Scan();
  CHECK(fx.HasProblem(ScanProblemKind::kCaseConflict, "Readme.md", r));
  CHECK(fx.Get("Readme.md"));
  CHECK(fx.Get("README.md"));
}

TEST_CASE(".shoalignore and Shoal's temp files keep names out of the index", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile(".shoalignore", "*.log\nbuild/\n!keep.log\n", kMtime);
  fx.fs.WriteFile("a.log", "x", kMtime);
  fx.fs.WriteFile("keep.log", "x", kMtime);
  fx.fs.WriteFile("build/out.o", "x", kMtime);
  fx.fs.WriteFile("src/.shoal.tmp.main.c", "partial", kMtime);
  fx.fs.WriteFile("src/main.c", "int main;", kMtime);
  fx.Scan();
  CHECK(fx.Get(".shoalignore"));
  CHECK_FALSE(fx.Get("a.log"));
  CHECK(fx.Get("keep.log"));
  CHECK_FALSE(fx.Get("build"));
  CHECK_FALSE(fx.Get("build/out.o"));
  CHECK_FALSE(fx.Get("src/.shoal.tmp.main.c"));
  CHECK(fx.Get("src/main.c"));
}

TEST_CASE("a name that becomes ignored keeps its entry instead of being deleted", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("notes.txt", "n", kMtime);
  fx.Scan();
  fx.fs.WriteFile(".shoalignore", "notes.txt\n", kMtime);
  fx.fs.Remove("notes.txt");
  ScanResult r = fx.Scan();
  CHECK(r.deleted == 0);
  CHECK_FALSE(fx.Get("notes.txt")->deleted);
}

TEST_CASE("scanning given paths touches only those subtrees", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a/1", "1", kMtime);
  fx.fs.WriteFile("b/2", "2", kMtime);
  fx.fs.WriteFile("ab", "3", kMtime);
  fx.Scan();
  fx.fs.WriteFile("a/1", "changed", kMtime + 1);
  fx.fs.WriteFile("b/2", "changed too", kMtime + 1);
  fx.fs.Remove("ab");
  ScanResult r = fx.ScanPaths({"a", "a/1"});
  CHECK(r.changed == 1);
  CHECK(fx.Get("a/1")->blocks == BlocksOf("changed"));
  CHECK(fx.Get("b/2")->blocks == BlocksOf("2"));  // not in the scanned paths
  CHECK_FALSE(fx.Get("ab")->deleted);             // "a" is not a prefix of "ab"
  ScanResult gone = fx.ScanPaths({"ab"});
  CHECK(gone.deleted == 1);
  CHECK(fx.Get("ab")->deleted);
}

TEST_CASE("hashing on several threads indexes exactly what one thread does", "[scan][property]") {
  std::mt19937_64 rng(77);
  Fixture one;
  Fixture many;
  for (int i = 0; i < 60; ++i) {
    std::string name = "d" + std::to_string(rng() % 5) + "/f" + std::to_string(i);
    std::string content = RandomBytes(rng() % 200'000, rng());
    one.fs.WriteFile(name, content, kMtime + i);
    many.fs.WriteFile(name, content, kMtime + i);
  }
  one.Scan(1);
  many.Scan(4);
  CHECK(one.LocalEntries() == many.LocalEntries());
}

TEST_CASE("a folder root that vanished fails the scan instead of deleting everything", "[scan]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "root/sub");
  std::ofstream(dir.File("root/sub/file")) << "precious";
  Index index = Index::Open(":memory:").value();
  DeviceKey local = index.PutDevice({{}, DeviceId(), "me", "", true, false}).value();
  FolderRecord folder = index.AddFolder({{}, "f", dir.File("root"), "", kSeed, 1}).value();
  testing::FakeClock clock;
  ScanConfig config{folder.key, local, kShortId, kSeed, 1};
  auto fs = std::move(PosixFileSystem::Open(dir.File("root")).value());
  Scanner scanner(*fs, index, clock, config);
  REQUIRE(scanner.ScanAll());
  std::filesystem::remove_all(dir.path() / "root");  // e.g. the disk was unmounted
  auto r = scanner.ScanAll();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("folder root"));
  CHECK_FALSE(index.GetFile(folder.key, local, "sub/file").value()->deleted);
}

TEST_CASE("a .shoalignore that is not a regular file fails the scan with a clear message",
          "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", "x", kMtime);
  fx.fs.AddSymlink(".shoalignore", "/etc/passwd");
  Scanner scanner(fx.fs, fx.index, fx.clock, fx.Config(1));
  auto r = scanner.ScanAll();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("must be a regular file"));
  CHECK_FALSE(fx.Get("a"));
}

TEST_CASE("a scan whose device key is not the index's local device is refused", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("a", "x", kMtime);
  ScanConfig config = fx.Config(1);
  config.local_device_key = DeviceKey(fx.local.value + 1);
  Scanner scanner(fx.fs, fx.index, fx.clock, config);
  auto r = scanner.ScanAll();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a file written just before the scan is re-read later, and a same-tick rewrite is caught",
          "[scan]") {
  Fixture fx;
  std::int64_t now = fx.clock.NowUnixNanos();
  fx.fs.WriteFile("hot", "aaaa", now);  // mtime == now: racy
  ScanResult first = fx.Scan();
  CHECK(first.racy == std::vector<std::string>{"hot"});
  CHECK(fx.Get("hot")->inode == 0);  // stored as "not verified"
  std::int64_t seq = fx.MaxSequence();

  // Rewritten within the same timestamp tick: size, mtime and inode unchanged.
  fx.fs.WriteFile("hot", "bbbb", now);
  fx.clock.AdvanceSeconds(5);
  ScanResult second = fx.Scan();
  CHECK(second.racy.empty());
  CHECK(fx.Get("hot")->blocks == BlocksOf("bbbb"));
  CHECK(fx.MaxSequence() == seq + 1);
}

TEST_CASE("re-reading an unchanged racy file verifies it without a new version", "[scan]") {
  Fixture fx;
  fx.fs.WriteFile("hot", "same", fx.clock.NowUnixNanos());
  fx.Scan();
  auto before = fx.Get("hot").value();
  fx.clock.AdvanceSeconds(5);
  ScanResult again = fx.Scan();
  CHECK(again.hashed_files == 1);
  CHECK(again.changed == 0);
  auto after = fx.Get("hot").value();
  CHECK(after.version == before.version);
  CHECK(after.sequence == before.sequence);
  CHECK(after.inode == fx.fs.Lstat("hot")->inode);
  CHECK(fx.Scan().hashed_files == 0);  // verified: no more re-reads
}

TEST_CASE("a scan hashed on another thread in steps indexes what a one-call scan does",
          "[scan][property]") {
  std::mt19937_64 rng(91);
  Fixture one;
  Fixture steps;
  std::int64_t bytes = 0;
  for (int i = 0; i < 40; ++i) {
    std::string name = "d" + std::to_string(rng() % 4) + "/f" + std::to_string(i);
    std::string content = RandomBytes(rng() % 150'000, rng());
    bytes += static_cast<std::int64_t>(content.size());
    one.fs.WriteFile(name, content, kMtime + i);
    steps.fs.WriteFile(name, content, kMtime + i);
  }
  auto whole = one.Scan(2);

  Scanner scanner(steps.fs, steps.index, steps.clock, steps.Config(2));
  const std::string root;
  auto plan = scanner.Plan(std::span<const std::string>(&root, 1));
  REQUIRE(plan);
  CHECK(plan->files_to_hash() == 40);
  CHECK(plan->bytes_to_hash() == bytes);
  CHECK(steps.MaxSequence() == 0);  // nothing is committed before Finish
  ScanProgress progress;
  std::thread hasher([&] { plan->Hash(&progress); });
  hasher.join();
  CHECK(progress.files_done.load() == 40);
  CHECK(progress.bytes_done.load() == bytes);
  auto stepped = scanner.Finish(std::move(*plan));
  REQUIRE(stepped);
  CHECK(stepped->changed == whole.changed);
  CHECK(stepped->hashed_bytes == whole.hashed_bytes);

  CHECK(one.LocalEntries() == steps.LocalEntries());
}

TEST_CASE(
    "a scan planned on another thread through a reader connection commits what a one-call "
    "scan does",
    "[scan][property]") {
  // Two rounds of seeded random trees: new files, then edits, permission
  // changes, deletions and new directories, so every kind of diff is planned
  // through the reader while the writer's connection commits.
  for (std::uint64_t seed : {7u, 8u, 9u}) {
    std::mt19937_64 rng(seed);
    testing::TempDir dir;
    Fixture one;
    Fixture off(dir.File("index.db"));
    auto reader = Index::OpenReader(dir.File("index.db"));
    REQUIRE(reader);
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 60; ++i) {
        std::string name = "d" + std::to_string(rng() % 5) + "/f" + std::to_string(rng() % 40);
        std::string content = RandomBytes(rng() % 5'000, rng());
        std::int64_t mtime = kMtime + static_cast<std::int64_t>(rng() % 1000);
        switch (rng() % 4) {
          case 0:
            one.fs.Remove(name);
            off.fs.Remove(name);
            break;
          case 1:
            if (one.fs.Lstat(name).has_value()) {
              one.fs.SetPermissions(name, 0600);
              off.fs.SetPermissions(name, 0600);
              break;
            }
            [[fallthrough]];
          default:
            one.fs.WriteFile(name, content, mtime);
            off.fs.WriteFile(name, content, mtime);
        }
      }
      auto whole = one.Scan();

      Scanner planner(off.fs, *reader, off.clock, off.Config(1));
      const std::string root;
      Result<ScanPlan> plan = Fail(ErrorCode::kCancelled, "not planned");
      std::thread thread([&] { plan = planner.Plan(std::span<const std::string>(&root, 1)); });
      thread.join();
      REQUIRE(plan);
      plan->Hash(nullptr);
      Scanner committer(off.fs, off.index, off.clock, off.Config(1));
      auto result = committer.Finish(std::move(*plan));
      REQUIRE(result);
      CHECK(result->changed == whole.changed);
      CHECK(result->deleted == whole.deleted);
      CHECK(one.LocalEntries() == off.LocalEntries());
    }
  }
}

TEST_CASE("a cancelled plan fails and changes nothing", "[scan]") {
  Fixture f;
  f.fs.WriteFile("a/kept.txt", "old", kMtime);
  f.Scan();
  const auto sequence = f.MaxSequence();
  f.fs.Remove("a/kept.txt");
  std::atomic<bool> cancel{true};
  ScanConfig config = f.Config(1);
  config.cancel = &cancel;
  Scanner scanner(f.fs, f.index, f.clock, config);
  const std::string root;
  auto plan = scanner.Plan(std::span<const std::string>(&root, 1));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == ErrorCode::kCancelled);
  CHECK(f.MaxSequence() == sequence);  // no tombstone for what it never walked
  CHECK(f.Get("a/kept.txt"));
}

TEST_CASE("a cancelled hash leaves the files it did not read as they were indexed", "[scan]") {
  Fixture f;
  f.fs.WriteFile("kept.txt", "old", kMtime);
  f.Scan();
  const auto before = f.Get("kept.txt");
  f.fs.WriteFile("kept.txt", "new content", kMtime + 5);
  f.fs.WriteFile("fresh.txt", "never read", kMtime + 5);
  f.fs.MakeDirectory("dir");

  Scanner scanner(f.fs, f.index, f.clock, f.Config(1));
  const std::string root;
  auto plan = scanner.Plan(std::span<const std::string>(&root, 1));
  REQUIRE(plan);
  ScanProgress progress;
  progress.cancel = true;
  plan->Hash(&progress);
  auto result = scanner.Finish(std::move(*plan));
  REQUIRE(result);
  CHECK(result->problems.empty());  // a cancel is not a problem with the files
  CHECK(f.Get("kept.txt") == before);
  CHECK_FALSE(f.Get("fresh.txt"));
  REQUIRE(f.Get("dir"));  // what needed no reading is committed
  CHECK(f.Get("dir")->type == FileType::kDirectory);
}

TEST_CASE("finishing a scan in steps commits one batch per step, in name order", "[scan]") {
  Fixture f;
  for (int i = 0; i < 20; ++i) {
    f.fs.WriteFile("f" + std::to_string(100 + i), std::to_string(i), kMtime + i);
  }
  Scanner scanner(f.fs, f.index, f.clock, f.Config(1));  // batch_size 7
  const std::string root;
  auto plan = scanner.Plan(std::span<const std::string>(&root, 1));
  REQUIRE(plan);
  plan->Hash(nullptr);
  std::vector<std::int64_t> sequences;
  std::optional<ScanResult> result;
  while (!result) {
    auto step = scanner.FinishStep(*plan);
    REQUIRE(step);
    sequences.push_back(f.MaxSequence());
    if (*step) result = std::move(**step);
  }
  CHECK(sequences == std::vector<std::int64_t>{7, 14, 20});
  CHECK(result->changed == 20);
  CHECK(f.Get("f100")->sequence == 1);  // parents and names first: sorted order
  CHECK(f.Get("f119")->sequence == 20);
}

}  // namespace shoal
