// Settling: a large file written again straight after it was read, or that
// changed while it was read, waits (metadata checks only) until its writer
// has left it alone; small files and single edits go through at once.
#include "core/watch/settling.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>

namespace shoal {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSettleNs = 2'000 * kMs;
constexpr std::int64_t kLarge = 1 << 20;

// A folder of files by path, as stat sees them; missing paths are gone.
struct Disk {
  std::map<std::string, FileStat> files;
  int stats = 0;
  Settling::StatFn Stat() {
    return [this](const std::string& path) -> Result<FileStat> {
      ++stats;
      auto it = files.find(path);
      if (it == files.end()) return Fail(ErrorCode::kNotFound, path);
      return it->second;
    };
  }
  void Write(const std::string& path, std::int64_t size, std::int64_t now) {
    files[path] = FileStat{EntryKind::kFile, size, now, 0644, 1};
  }
};

constexpr std::int64_t kGapNs = 1'000 * kMs;

Settling Make() {
  return Settling(std::chrono::nanoseconds(kSettleNs), std::chrono::nanoseconds(kGapNs), kLarge);
}

TEST_CASE(
    "settling: a large file in a second batch straight after its read waits until left "
    "alone, then is taken once",
    "[watch][settling]") {
  Disk disk;
  Settling settling = Make();
  std::int64_t now = 1'000'000 * kMs;
  disk.Write("big", 8 * kLarge, now);
  CHECK(settling.Admit({"big"}, now, disk.Stat()) == std::vector<std::string>{"big"});
  // Still being written: the next batches leave it out.
  for (int batch = 1; batch <= 6; ++batch) {
    now += 500 * kMs;
    disk.Write("big", (8 + batch) * kLarge, now);
    CHECK(settling.Admit({"big"}, now, disk.Stat()).empty());
    CHECK(settling.waiting() == 1);
  }
  const std::int64_t last_write = now;
  std::optional<std::int64_t> next;
  now += 1'000 * kMs;
  CHECK(settling.TakeSettled(now, disk.Stat(), next).empty());
  REQUIRE(next);
  CHECK(*next == last_write + kSettleNs);
  CHECK(settling.TakeSettled(*next, disk.Stat(), next) == std::vector<std::string>{"big"});
  CHECK_FALSE(next);
  CHECK(settling.waiting() == 0);
}

TEST_CASE("settling: small files, and edits of a large file a second apart, are read at once",
          "[watch][settling]") {
  Disk disk;
  Settling settling = Make();
  std::int64_t now = 5'000'000 * kMs;
  for (int batch = 0; batch < 20; ++batch) {
    now += 100 * kMs;
    disk.Write("small", kLarge - 1, now);
    disk.Write("big-" + std::to_string(batch), 4 * kLarge, now);
    auto taken = settling.Admit({"big-" + std::to_string(batch), "small"}, now, disk.Stat());
    CHECK(taken.size() == 2);
  }
  // The same large file again, a little more than the gap later: a new
  // edit, read at once.
  now += kGapNs + kMs;
  disk.Write("big-3", 5 * kLarge, now);
  CHECK(settling.Admit({"big-3"}, now, disk.Stat()) == std::vector<std::string>{"big-3"});
  CHECK(settling.waiting() == 0);
}

TEST_CASE(
    "settling: a file that changed while read waits, and gone, shrunk or future-dated ones go "
    "at once",
    "[watch][settling]") {
  Disk disk;
  Settling settling = Make();
  std::int64_t now = 9'000'000 * kMs;
  for (const char* name : {"unstable", "gone", "shrunk", "future", "dir"}) {
    disk.Write(name, 3 * kLarge, now);
  }
  disk.files["future"].mtime_ns = now + 10 * kSettleNs;  // set by its writer: done
  settling.AddUnstable({"unstable", "gone", "shrunk", "future", "dir"}, now);
  disk.files.erase("gone");
  disk.Write("shrunk", 10, now);
  disk.files["dir"].kind = EntryKind::kDirectory;
  std::optional<std::int64_t> next;
  auto taken = settling.TakeSettled(now + kMs, disk.Stat(), next);
  CHECK(taken == std::vector<std::string>{"dir", "future", "gone", "shrunk"});
  CHECK(settling.waiting() == 1);
  REQUIRE(next);
  CHECK(*next == now + kSettleNs);
  // While it waits, batches and racy re-reads leave it out, and its check
  // costs one stat.
  CHECK(settling.Admit({"unstable"}, now + 2 * kMs, disk.Stat()).empty());
  CHECK(settling.NotWaiting({"unstable", "other"}) == std::vector<std::string>{"other"});
  disk.stats = 0;
  CHECK(settling.TakeSettled(now + 3 * kMs, disk.Stat(), next).empty());
  CHECK(disk.stats == 1);
}

TEST_CASE("settling: a file never left alone is read once it has waited its size's bound",
          "[watch][settling]") {
  Disk disk;
  Settling settling = Make();
  std::int64_t now = 1'000 * kMs;
  const std::int64_t size = 100 * kLarge;  // about 105 MB: about 11 s
  const std::int64_t bound = kMaxWaitBase.count() + size * kMaxWaitPerByteNs;
  disk.Write("log", size, now);
  settling.AddUnstable({"log"}, now);
  const std::int64_t since = now;
  std::optional<std::int64_t> next;
  int checks = 0;
  std::vector<std::string> taken;
  while (taken.empty()) {
    REQUIRE(next.value_or(now) >= now);
    now += 100 * kMs;
    disk.Write("log", size, now);  // appended to every 100 ms
    taken = settling.TakeSettled(now, disk.Stat(), next);
    REQUIRE(++checks < 1000);
  }
  CHECK(now - since >= bound);
  CHECK(now - since < bound + 100 * kMs);
}

TEST_CASE("settling: randomized batches let a waiting path go only once it has settled",
          "[watch][settling]") {
  // Seeded: files written at random times, small or large, in batches as
  // the watcher would send them. A path that waited comes out only once its
  // writer stopped for the window, it is no longer a large file, or it has
  // waited the longest a file never left alone may; and in the end nothing
  // waits.
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    Disk disk;
    Settling settling = Make();
    std::int64_t now = 1'000'000 * kMs;
    std::map<std::string, std::int64_t> last_write;
    std::map<std::string, std::int64_t> last_admitted;
    int waited = 0;
    for (int step = 0; step < 300; ++step) {
      now += static_cast<std::int64_t>(rng() % 700) * kMs;
      std::vector<std::string> batch;
      for (int f = 0; f < 4; ++f) {
        if (rng() % 3 != 0) continue;
        const std::string name = "f" + std::to_string(f);
        disk.Write(name, (rng() % 4 != 0 ? 2 * kLarge : 0) + 1, now);
        last_write[name] = now;
        batch.push_back(name);
      }
      for (const std::string& name : settling.Admit(batch, now, disk.Stat())) {
        last_admitted[name] = now;
      }
      std::optional<std::int64_t> next;
      for (const std::string& name : settling.TakeSettled(now, disk.Stat(), next)) {
        INFO("seed " << seed << " step " << step << " " << name);
        ++waited;
        CHECK((now - last_write[name] >= kSettleNs || disk.files[name].size < kLarge ||
               now - last_admitted[name] >= kMaxWaitBase.count()));
        last_admitted[name] = now;
      }
    }
    CHECK(waited > 0);
    std::optional<std::int64_t> next;
    settling.TakeSettled(now + kSettleNs, disk.Stat(), next);
    CHECK(settling.waiting() == 0);
    CHECK_FALSE(next);
  }
}

}  // namespace
}  // namespace shoal
