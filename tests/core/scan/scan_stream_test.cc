// ScanStream: a full scan handed out as plans in bounded memory must commit
// exactly what a one-call scan commits, hold every tombstone back to its last
// plan, and walk in the index's (bytewise) name order.
#include "core/scan/scan_stream.h"

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "core/scan/walk.h"
#include "tests/support/fake_clock.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

constexpr std::uint64_t kSeed = 0x5eed;
constexpr std::int64_t kMtime = 1'700'000'000'000'000'000;

// Names chosen to sort differently as paths and as a depth-first listing:
// "a-c" < "a/b" < "a0" bytewise, with "a" a directory.
const char* const kNames[] = {"a",   "a-c", "a0",  "a.b",  "b",   "A",    "é",
                              "a/b", "a/c", "a/ä", "a0/x", "b/c", "b/c/d"};

struct Side {
  explicit Side(const std::string& db) : index(Index::Open(db).value()) {}
  MemoryFileSystem fs;
  testing::FakeClock clock;
  Index index;
  DeviceKey local = index.PutDevice({{}, DeviceId(), "me", "", true, false}).value();
  FolderKey folder = index.AddFolder({{}, "f", "/f", "", kSeed, 1}).value().key;

  ScanConfig Config() {
    ScanConfig c;
    c.folder_key = folder;
    c.local_device_key = local;
    c.local_short_id = 0x1111;
    c.hash_seed = kSeed;
    c.batch_size = 2;
    c.stream_plan_entries = 3;
    return c;
  }
  // Every entry of the local device by name; sequences left out (a stream
  // commits its deletions last, so they number differently).
  std::vector<FileInfo> LocalEntries() {
    std::vector<FileInfo> entries;
    REQUIRE(index.ForEachSince(folder, local, 0, [&](FileInfo&& f) {
      f.sequence = 0;
      entries.push_back(std::move(f));
      return true;
    }));
    std::sort(entries.begin(), entries.end(),
              [](const FileInfo& x, const FileInfo& y) { return x.name < y.name; });
    return entries;
  }
};

std::string RandomName(std::mt19937_64& rng) {
  std::string name = kNames[rng() % std::size(kNames)];
  if (rng() % 3 == 0) name += "/" + std::to_string(rng() % 4);
  return name;
}

// No parent of `name` is anything but a directory, and `name` is absent or
// of `kind`.
bool CanCreate(MemoryFileSystem& fs, const std::string& name, EntryKind kind) {
  for (std::size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    auto parent = fs.Lstat(name.substr(0, slash));
    if (parent && parent->kind != EntryKind::kDirectory) return false;
  }
  auto self = fs.Lstat(name);
  return !self || self->kind == kind;
}

// One random change to both sides' disks.
void Mutate(std::mt19937_64& rng, MemoryFileSystem& a, MemoryFileSystem& b) {
  const std::string name = RandomName(rng);
  const std::int64_t mtime = kMtime + static_cast<std::int64_t>(rng() % 1000);
  const std::string content(rng() % 3000, static_cast<char>('a' + rng() % 26));
  switch (rng() % 6) {
    case 0:
      a.Remove(name);
      b.Remove(name);
      return;
    case 1:
      if (a.Lstat(name).has_value()) {
        a.SetPermissions(name, 0700);
        b.SetPermissions(name, 0700);
      }
      return;
    case 2:
      if (!CanCreate(a, name, EntryKind::kDirectory)) return;
      a.MakeDirectory(name);
      b.MakeDirectory(name);
      return;
    default:
      if (!CanCreate(a, name, EntryKind::kFile)) return;
      a.WriteFile(name, content, mtime);
      b.WriteFile(name, content, mtime);
  }
}

}  // namespace

TEST_CASE("a streamed full scan commits exactly what a one-call scan does", "[scan][property]") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    testing::TempDir dir;
    Side one(":memory:");
    Side streamed(dir.File("index.db"));
    auto reader = Index::OpenReader(dir.File("index.db"));
    REQUIRE(reader);
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 25; ++i) Mutate(rng, one.fs, streamed.fs);
      if (round == 2) {  // unreadable for a round: its entries must stay
        one.fs.SetUnreadable("a", true);
        streamed.fs.SetUnreadable("a", true);
      }
      if (round == 3) {
        one.fs.SetUnreadable("a", false);
        streamed.fs.SetUnreadable("a", false);
        one.fs.WriteFile(".shoalignore", "b\n", kMtime);
        streamed.fs.WriteFile(".shoalignore", "b\n", kMtime);
      }
      auto whole = Scanner(one.fs, one.index, one.clock, one.Config()).ScanAll();
      REQUIRE(whole);

      // Planned on a thread through the reader, committed on the writer.
      Scanner planner(streamed.fs, *reader, streamed.clock, streamed.Config());
      Scanner committer(streamed.fs, streamed.index, streamed.clock, streamed.Config());
      auto stream = planner.Stream();
      REQUIRE(stream);
      ScanResult total;
      int plans = 0;
      for (;;) {
        Result<std::optional<ScanPlan>> next = Fail(ErrorCode::kCancelled, "not run");
        std::thread([&] { next = stream->Next(); }).join();
        REQUIRE(next);
        if (!*next) break;
        ++plans;
        CHECK((*next)->files_to_hash() <= 3);
        (*next)->Hash(nullptr);
        auto done = committer.Finish(std::move(**next));
        REQUIRE(done);
        MergeScanResult(total, std::move(*done));
      }
      CHECK(plans >= 2);
      CHECK(total.changed == whole->changed);
      CHECK(total.deleted == whole->deleted);
      CHECK(total.files == whole->files);
      CHECK(total.directories == whole->directories);
      CHECK(total.bytes == whole->bytes);
      CHECK(total.problems.size() == whole->problems.size());
      CHECK(one.LocalEntries() == streamed.LocalEntries());
    }
  }
}

TEST_CASE("a streamed scan holds every tombstone back to its last plan", "[scan]") {
  testing::TempDir dir;
  Side side(dir.File("index.db"));
  for (int i = 0; i < 20; ++i) side.fs.WriteFile("d/f" + std::to_string(i), "x", kMtime);
  REQUIRE(Scanner(side.fs, side.index, side.clock, side.Config()).ScanAll());
  for (int i = 0; i < 20; i += 2) side.fs.Remove("d/f" + std::to_string(i));
  for (int i = 0; i < 10; ++i) side.fs.WriteFile("e/n" + std::to_string(i), "y", kMtime);

  Scanner scanner(side.fs, side.index, side.clock, side.Config());
  auto stream = scanner.Stream();
  REQUIRE(stream);
  std::vector<ScanPlan> plans;
  for (;;) {
    auto next = stream->Next();
    REQUIRE(next);
    if (!*next) break;
    plans.push_back(std::move(**next));
  }
  REQUIRE(plans.size() >= 4);  // 10 new files in plans of 3, then the deletions
  for (std::size_t i = 0; i + 1 < plans.size(); ++i) CHECK(plans[i].files_to_delete() == 0);
  CHECK(plans.back().files_to_delete() == 10);
  CHECK(plans.back().files_to_hash() == 0);
}

TEST_CASE("a cancelled stream fails and hands out nothing more", "[scan]") {
  testing::TempDir dir;
  Side side(dir.File("index.db"));
  for (int i = 0; i < 20; ++i) side.fs.WriteFile("d" + std::to_string(i) + "/f", "x", kMtime);
  std::atomic<bool> cancel{false};
  ScanConfig config = side.Config();
  config.cancel = &cancel;
  Scanner scanner(side.fs, side.index, side.clock, config);
  auto stream = scanner.Stream();
  REQUIRE(stream);
  REQUIRE(stream->Next());
  cancel = true;
  auto next = stream->Next();
  REQUIRE_FALSE(next);
  CHECK(next.error().code == ErrorCode::kCancelled);
}

TEST_CASE("a sorted walk returns every entry once, in bytewise name order", "[scan][property]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    MemoryFileSystem fs;
    MemoryFileSystem unused;
    for (int i = 0; i < 60; ++i) Mutate(rng, fs, unused);
    IgnoreMatcher ignore;
    SortedWalk walk(fs, ignore, "");
    std::vector<std::string> names;
    while (const FoundEntry* e = walk.Next()) names.push_back(e->path);
    CHECK(std::is_sorted(names.begin(), names.end()));
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
    // The same entries as a depth-first listing of the tree.
    std::vector<std::string> listed;
    std::function<void(const std::string&)> list = [&](const std::string& d) {
      auto entries = fs.ListDir(d);
      REQUIRE(entries);
      for (const DirEntry& e : *entries) {
        std::string path = d.empty() ? e.name : d + "/" + e.name;
        listed.push_back(path);
        if (e.stat.kind == EntryKind::kDirectory) list(path);
      }
    };
    list("");
    std::sort(listed.begin(), listed.end());
    CHECK(names == listed);
  }
}

}  // namespace shoal
