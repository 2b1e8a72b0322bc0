// Watcher on a real temp directory and a real libuv loop. Nothing here
// asserts timing beyond "eventually": the loop runs until a condition holds
// or a generous deadline passes.
#include "core/watch/watcher.h"

#include <uv.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/support/temp_dir.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

// A loop, a watcher on a temp dir, and every batch it delivered.
class WatchFixture {
 public:
  WatchFixture() { REQUIRE(uv_loop_init(&loop_) == 0); }
  ~WatchFixture() {
    watcher.Stop();
    CHECK_FALSE(watcher.started());
    uv_run(&loop_, UV_RUN_NOWAIT);      // the close callbacks free both handles
    CHECK(uv_loop_close(&loop_) == 0);  // a leaked handle fails the test
  }

  void Start(WatcherOptions options = {}) {
    auto started =
        watcher.Start(&loop_, dir.path().string(), std::move(options), [this](WatchBatch batch) {
          batches.push_back(std::move(batch));
          if (after_batch) after_batch();
        });
    REQUIRE(started.has_value());
  }

  // Drives the loop until `done()` or a generous deadline; returns done().
  bool RunUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(20000)) {
    uv_timer_t tick;  // keeps uv_run(ONCE) from blocking past the deadline
    uv_timer_init(&loop_, &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);  // the close callback, while `tick` is alive
    return done();
  }

  // Every path reported so far (in any batch).
  std::set<std::string> Reported() const {
    std::set<std::string> all;
    for (const WatchBatch& batch : batches) all.insert(batch.paths.begin(), batch.paths.end());
    return all;
  }
  bool WasReported(const std::string& path) const { return Reported().contains(path); }
  // `path` or one of its ancestor directories was reported.
  bool Covered(const std::string& path) const {
    for (const std::string& reported : Reported()) {
      if (path == reported || path.starts_with(reported + "/")) return true;
    }
    return false;
  }
  bool AnyFullRescan() const {
    for (const WatchBatch& batch : batches) {
      if (batch.full_rescan) return true;
    }
    return false;
  }

  testing::TempDir dir;
  Watcher watcher;
  std::vector<WatchBatch> batches;
  std::function<void()> after_batch;  // runs inside the batch callback

 private:
  uv_loop_t loop_{};
};

TEST_CASE("creating, modifying and deleting files are reported by name", "[watch]") {
  WatchFixture f;
  fs::create_directories(f.dir.path() / "sub");
  f.Start();
  WriteFile(f.dir.path() / "new.txt", "hello");
  WriteFile(f.dir.path() / "sub" / "inner.txt", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("new.txt") && f.WasReported("sub/inner.txt"); }));

  f.batches.clear();
  WriteFile(f.dir.path() / "new.txt", " again");
  REQUIRE(f.RunUntil([&] { return f.WasReported("new.txt"); }));

  f.batches.clear();
  fs::remove(f.dir.path() / "sub" / "inner.txt");
  REQUIRE(f.RunUntil([&] { return f.WasReported("sub/inner.txt"); }));
  CHECK_FALSE(f.AnyFullRescan());
}

TEST_CASE("a batch is sorted and holds each path once", "[watch]") {
  WatchFixture f;
  f.Start();
  for (const char* name : {"c", "a", "b"}) WriteFile(f.dir.path() / name, "1");
  REQUIRE(f.RunUntil([&] { return f.Reported().size() == 3; }));
  for (const WatchBatch& batch : f.batches) {
    CHECK(std::is_sorted(batch.paths.begin(), batch.paths.end()));
    CHECK(std::set<std::string>(batch.paths.begin(), batch.paths.end()).size() ==
          batch.paths.size());
  }
}

TEST_CASE("a rename reports both the old and the new name", "[watch]") {
  WatchFixture f;
  WriteFile(f.dir.path() / "old.txt", "content");
  fs::create_directories(f.dir.path() / "dir" / "deep");
  f.Start();
  fs::rename(f.dir.path() / "old.txt", f.dir.path() / "renamed.txt");
  fs::rename(f.dir.path() / "dir", f.dir.path() / "moved");
  REQUIRE(f.RunUntil([&] {
    return f.WasReported("old.txt") && f.WasReported("renamed.txt") && f.WasReported("dir") &&
           f.WasReported("moved");
  }));

  // The moved directory is watched under its new name, not the old one.
  f.batches.clear();
  WriteFile(f.dir.path() / "moved" / "deep" / "f", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("moved/deep/f"); }));
  CHECK_FALSE(f.Covered("dir/deep/f"));
}

TEST_CASE("a directory moved out of the folder is no longer watched", "[watch]") {
  testing::TempDir outside;
  WatchFixture f;
  fs::create_directories(f.dir.path() / "leaving");
  f.Start();
  const std::size_t before = f.watcher.watch_count();
  fs::rename(f.dir.path() / "leaving", outside.path() / "gone");
  REQUIRE(f.RunUntil([&] { return f.WasReported("leaving"); }));
  CHECK(f.watcher.watch_count() == before - 1);
  f.batches.clear();
  WriteFile(outside.path() / "gone" / "f", "x");
  WriteFile(f.dir.path() / "marker", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("marker"); }));
  CHECK_FALSE(f.Covered("leaving/f"));
}

TEST_CASE("a new nested directory is watched at once and covers files made in it", "[watch]") {
  WatchFixture f;
  f.Start();
  // Created faster than the watcher can add watches: the files land before
  // the new directories are watched, and must still be covered.
  fs::create_directories(f.dir.path() / "a" / "b" / "c");
  WriteFile(f.dir.path() / "a" / "b" / "c" / "early.txt", "1");
  WriteFile(f.dir.path() / "a" / "top.txt", "1");
  REQUIRE(f.RunUntil([&] { return f.Covered("a/b/c/early.txt") && f.Covered("a/top.txt"); }));

  // Later changes deep inside are reported by their own name.
  REQUIRE(f.RunUntil([&] { return f.watcher.watch_count() == 4; }));
  f.batches.clear();
  WriteFile(f.dir.path() / "a" / "b" / "c" / "later.txt", "2");
  REQUIRE(f.RunUntil([&] { return f.WasReported("a/b/c/later.txt"); }));
}

TEST_CASE("many quick writes are coalesced into few batches", "[watch]") {
  WatchFixture f;
  WatcherOptions options;
  options.quiet = milliseconds(200);  // generous: the writes below take far less
  options.max_delay = milliseconds(10000);
  f.Start(options);
  for (int i = 0; i < 200; ++i) WriteFile(f.dir.path() / ("f" + std::to_string(i % 20)), "x");
  REQUIRE(f.RunUntil([&] { return f.Reported().size() == 20; }));
  // 200 writes to 20 files: one batch unless the machine stalled for longer
  // than the quiet window mid-loop; far fewer batches than writes either way.
  CHECK(f.batches.size() < 20);
  CHECK(f.batches.back().paths.size() <= 20);
}

TEST_CASE("ignored names are neither reported nor watched", "[watch]") {
  WatchFixture f;
  fs::create_directories(f.dir.path() / "skipped");
  WatcherOptions options;
  options.ignore = [](const std::string& name) {
    return name == "skipped" || name.find(".shoal.tmp.") != std::string::npos;
  };
  f.Start(options);
  CHECK(f.watcher.watch_count() == 1);  // only the root
  WriteFile(f.dir.path() / ".shoal.tmp.file", "temp");
  WriteFile(f.dir.path() / "skipped" / "inside", "x");
  WriteFile(f.dir.path() / "kept", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("kept"); }));
  CHECK_FALSE(f.WasReported(".shoal.tmp.file"));
  CHECK_FALSE(f.Covered("skipped/inside"));
}

TEST_CASE("after the ignore rules change, a rewalk watches what they now include", "[watch]") {
  WatchFixture f;
  fs::create_directories(f.dir.path() / "was-ignored" / "deeper");
  bool ignoring = true;
  WatcherOptions options;
  options.ignore = [&](const std::string& name) {
    return ignoring && name.starts_with("was-ignored");
  };
  f.Start(options);
  CHECK(f.watcher.watch_count() == 1);
  ignoring = false;
  f.watcher.Rewalk();
  CHECK(f.watcher.watch_count() == 3);
  WriteFile(f.dir.path() / "was-ignored" / "deeper" / "f", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("was-ignored/deeper/f"); }));
}

TEST_CASE("a continuous writer still gets batches within max_delay", "[watch]") {
  WatchFixture f;
  WatcherOptions options;
  options.quiet = milliseconds(1000);  // never quiet while writing every ~5 ms
  options.max_delay = milliseconds(50);
  f.Start(options);
  // Keep writing until a batch arrives; it can only be max_delay's doing,
  // since the writer never pauses for the quiet window.
  const auto path = f.dir.path() / "stream.log";
  REQUIRE(f.RunUntil(
      [&] {
        WriteFile(path, "line\n");
        return !f.batches.empty();
      },
      milliseconds(20000)));
  CHECK(f.WasReported("stream.log"));
}

TEST_CASE("reaching the watch limit asks for a full rescan and degrades", "[watch]") {
  WatchFixture f;
  fs::create_directories(f.dir.path() / "one");
  WatcherOptions options;
  options.max_watches = 2;  // the root and "one"
  f.Start(options);
  CHECK_FALSE(f.watcher.degraded());
  fs::create_directories(f.dir.path() / "two");
  REQUIRE(f.RunUntil([&] { return f.AnyFullRescan(); }));
  CHECK(f.watcher.degraded());
  CHECK(f.watcher.degraded_reason().find("fs.inotify.max_user_watches") != std::string::npos);
  const WatchBatch& rescan = f.batches.back();
  CHECK(rescan.full_rescan);
  CHECK(rescan.reason == f.watcher.degraded_reason());

  // Still working, degraded: changes in watched directories are reported.
  f.batches.clear();
  WriteFile(f.dir.path() / "one" / "f", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("one/f"); }));
  CHECK_FALSE(f.AnyFullRescan());  // the full rescan was asked for once
}

TEST_CASE("a tree larger than the watch limit at start gives a full rescan at once", "[watch]") {
  WatchFixture f;
  fs::create_directories(f.dir.path() / "x" / "y");
  WatcherOptions options;
  options.max_watches = 1;
  f.Start(options);
  CHECK(f.watcher.degraded());
  REQUIRE(f.RunUntil([&] { return f.AnyFullRescan(); }));
  CHECK(f.batches.front().reason.find("watch limit") != std::string::npos);
}

TEST_CASE("an overflowing event queue gives a full rescan and watching goes on", "[watch]") {
  std::ifstream limit_file("/proc/sys/fs/inotify/max_queued_events");
  long limit = 0;
  limit_file >> limit;
  if (limit <= 0 || limit > 100000) {
    WARN("max_queued_events is " << limit << ": overflow not forced here");
    return;
  }
  WatchFixture f;
  f.Start();
  // Each new file queues IN_CREATE and IN_CLOSE_WRITE; the loop does not run
  // meanwhile, so the queue overflows.
  for (long i = 0; i < limit / 2 + 100; ++i) WriteFile(f.dir.path() / std::to_string(i), "");
  fs::create_directories(f.dir.path() / "made-while-lost");
  REQUIRE(f.RunUntil([&] { return f.AnyFullRescan(); }));
  CHECK(f.batches.back().reason.find("max_queued_events") != std::string::npos);
  CHECK_FALSE(f.watcher.degraded());

  // The directory created while events were lost is watched after all.
  REQUIRE(f.RunUntil([&] { return f.watcher.watch_count() == 2; }));
  f.batches.clear();
  WriteFile(f.dir.path() / "made-while-lost" / "f", "x");
  REQUIRE(f.RunUntil([&] { return f.WasReported("made-while-lost/f"); }));
}

TEST_CASE("nothing is delivered while nothing changes, and stopping frees all", "[watch]") {
  WatchFixture f;
  f.Start();
  f.RunUntil([] { return false; }, milliseconds(100));
  CHECK(f.batches.empty());
}

TEST_CASE("a watcher stopped inside its batch callback is freed and delivers nothing more",
          "[watch]") {
  WatchFixture f;
  f.after_batch = [&] { f.watcher.Stop(); };
  f.Start();
  WriteFile(f.dir.path() / "a", "x");
  REQUIRE(f.RunUntil([&] { return !f.batches.empty(); }));
  CHECK_FALSE(f.watcher.started());
  WriteFile(f.dir.path() / "b", "x");
  f.RunUntil([] { return false; }, milliseconds(200));
  CHECK(f.batches.size() == 1);
}

TEST_CASE("starting on a missing folder fails with not found", "[watch]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Watcher watcher;
  auto started = watcher.Start(&loop, "/nonexistent/shoal/watch", {}, [](WatchBatch) {});
  REQUIRE_FALSE(started.has_value());
  CHECK(started.error().code == ErrorCode::kNotFound);
  CHECK(uv_loop_close(&loop) == 0);
}

}  // namespace
}  // namespace shoal

namespace shoal {

TEST_CASE("the daemon's own writes are not reported, and a directory it made is still watched",
          "[watch]") {
  WatchFixture f;
  std::set<std::string> own{"pulled.txt", "pulled-dir"};
  WatcherOptions options;
  options.own_write = [&](const std::string& name) { return own.contains(name); };
  f.Start(options);
  fs::create_directories(f.dir.path() / "pulled-dir");
  WriteFile(f.dir.path() / "pulled.txt", "from a peer");
  WriteFile(f.dir.path() / "user.txt", "typed here");
  REQUIRE(f.RunUntil([&] { return f.WasReported("user.txt"); }));
  REQUIRE(f.RunUntil([&] { return f.watcher.watch_count() == 2; }));
  CHECK_FALSE(f.WasReported("pulled.txt"));
  CHECK_FALSE(f.WasReported("pulled-dir"));
  // A user's file in the directory the daemon made is seen by its own name.
  WriteFile(f.dir.path() / "pulled-dir" / "later.txt", "typed here");
  REQUIRE(f.RunUntil([&] { return f.WasReported("pulled-dir/later.txt"); }));
}

TEST_CASE(
    "a file being written is read from inotify in bursts while its batch is pending, not "
    "once per write",
    "[watch]") {
  // Events that wait unread merge in the kernel (a file's identical
  // events), so reading every few milliseconds while a batch is pending
  // costs a read per pause instead of a wakeup and a read per write.
  WatchFixture f;
  f.Start();
  constexpr int kWrites = 2000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    std::ofstream out(f.dir.path() / "growing.bin", std::ios::binary);
    const std::string chunk(4096, 'g');
    for (int i = 0; i < kWrites; ++i) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      out.flush();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    done = true;
  });
  REQUIRE(f.RunUntil([&] { return done.load() && f.WasReported("growing.bin"); }));
  writer.join();
  INFO(f.watcher.reads() << " reads for " << kWrites << " writes");
  CHECK(f.watcher.reads() >= 2);
  CHECK(f.watcher.reads() < kWrites / 5);
}

TEST_CASE("whether an event was the daemon's own is asked once per path per batch, not per event",
          "[watch]") {
  // A file being written sends an event per write; each question costs the
  // daemon a stat. Once a path is in the pending batch it is reported
  // anyway, so it is not asked again until that batch is delivered.
  WatchFixture f;
  std::map<std::string, int> asked;
  WatcherOptions options;
  options.quiet = milliseconds(1500);  // one batch for all the writes below
  options.max_delay = milliseconds(1500);
  options.own_write = [&](const std::string& name) {
    ++asked[name];
    return false;
  };
  f.Start(options);
  for (int i = 0; i < 50; ++i) {
    WriteFile(f.dir.path() / "growing.bin", std::string(4096, 'g'));
    f.RunUntil([] { return false; }, milliseconds(2));  // the loop reads each event
  }
  REQUIRE(asked["growing.bin"] == 1);
  REQUIRE(f.RunUntil([&] { return f.WasReported("growing.bin"); }, milliseconds(20000)));
  // The next batch asks afresh.
  WriteFile(f.dir.path() / "growing.bin", "more");
  REQUIRE(f.RunUntil([&] { return asked["growing.bin"] == 2; }));
}

}  // namespace shoal
