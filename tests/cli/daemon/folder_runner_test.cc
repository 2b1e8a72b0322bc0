// FolderRunner on a real temp folder, SQLite index and event loop: the
// watcher's batches turn into scans, a full scan walks off the loop, and a
// pull pass that falls due while a scan hashes waits until that scan has
// committed.
#include "cli/daemon/folder_runner.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "core/base/thread_priority.h"
#include "core/sync/folder_guard.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;
using net::testing::RunUntil;

// One folder, marked and recorded as `shoal folder add` does, and its runner.
class RunnerFixture {
 public:
  explicit RunnerFixture(bool watch, std::function<void()> on_plan_thread = {}) {
    auto opened = Index::Open(temp.File("index.db"));
    REQUIRE(opened);
    index = std::make_unique<Index>(std::move(*opened));
    auto key = index->PutDevice({{}, shoal::testing::MakeDeviceId(1), "alpha", "", true, false});
    REQUIRE(key);
    local_key = *key;
    fs::create_directory(root());
    auto root_fs = PosixFileSystem::Open(root().string());
    REQUIRE(root_fs);
    REQUIRE(WriteFolderMarker(**root_fs, "runner-test"));
    auto device = (*root_fs)->ReopenRoot();
    REQUIRE(device);
    FolderRecord folder;
    folder.id = "runner-test";
    folder.label = "runner";
    folder.path = root().string();
    folder.root_device = *device;
    auto added = index->AddFolder(folder);
    REQUIRE(added);
    record = *added;
    auto created = net::EventLoop::Create();
    REQUIRE(created);
    loop = std::move(*created);
    FolderEngineConfig base;
    base.local_device_key = local_key;
    base.local_short_id = shoal::testing::MakeDeviceId(1).ShortId();
    FolderRunnerOptions options;
    options.watch = watch;
    options.on_plan_thread = std::move(on_plan_thread);
    options.full_rescan_interval = std::chrono::hours(1);  // no periodic scan during a test
    auto started = FolderRunner::Start(*loop, *index, clock, record, base, options);
    REQUIRE(started);
    runner = std::move(*started);
  }

  ~RunnerFixture() {
    runner.reset();
    CHECK(loop->Close().has_value());  // no libuv handle leaked
  }

  fs::path root() const { return temp.path() / "folder"; }
  bool Indexed(const std::string& name) {
    auto file = index->GetFile(record.key, local_key, name);
    return file && file->has_value() && !(*file)->deleted;
  }
  // The first full scan (a 0 ms timer at start) and the pull pass after it.
  bool FirstScanDone() {
    return RunUntil(*loop, [&] {
      FolderStatus status = runner->Status();
      return status.last_scan_unix != 0 && status.state == "idle" && runner->pull_passes() > 0;
    });
  }

  shoal::testing::TempDir temp;
  SystemClock clock;
  std::unique_ptr<Index> index;
  DeviceKey local_key;
  FolderRecord record;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<FolderRunner> runner;
};

TEST_CASE("a watcher batch turns into a scan that puts the new file in the index",
          "[cli][folder_runner]") {
  RunnerFixture f(/*watch=*/true);
  REQUIRE(f.runner->Status().watcher == "watching");
  REQUIRE(f.FirstScanDone());
  REQUIRE_FALSE(f.Indexed("notes.txt"));
  // Written after the only full scan there will be: only the watcher can
  // bring it into the index.
  std::ofstream(f.root() / "notes.txt") << "hello";
  REQUIRE(RunUntil(*f.loop, [&] { return f.Indexed("notes.txt"); }));
  auto file = f.index->GetFile(f.record.key, f.local_key, "notes.txt");
  REQUIRE(file);
  CHECK((*file)->size == 5);
  CHECK(f.runner->Status().files == 1);
}

// Bytes this process has read through read(2)/pread(2) so far.
std::int64_t BytesReadSoFar() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::int64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  FAIL("no rchar in /proc/self/io");
  return 0;
}

TEST_CASE("a large file being written is read once, after its writer is done, not once per batch",
          "[cli][folder_runner][settling]") {
  RunnerFixture f(/*watch=*/true);
  REQUIRE(f.FirstScanDone());
  // 48 MiB written in 1 MiB pieces, one every 50 ms: the watcher sends a
  // batch every 500 ms for 2.4 s. Reading it whole for each batch (and up
  // to three times when it changed under the read, and once more for
  // being racy) read it 4 to 8 times over.
  constexpr std::int64_t kChunk = 1 << 20;
  constexpr int kChunks = 48;
  const std::int64_t read_before = BytesReadSoFar();
  std::atomic<bool> written{false};
  std::thread writer([&] {
    std::ofstream out(f.root() / "video.bin", std::ios::binary);
    std::string chunk(kChunk, 'v');
    for (int i = 0; i < kChunks; ++i) {
      chunk[0] = static_cast<char>(i);
      out.write(chunk.data(), kChunk);
      out.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    out.close();
    written = true;
  });
  bool seen_waiting = false;
  const bool indexed = RunUntil(*f.loop, [&] {
    seen_waiting = seen_waiting || f.runner->Status().settling > 0;
    if (!written) return false;
    auto file = f.index->GetFile(f.record.key, f.local_key, "video.bin");
    return file && file->has_value() && (*file)->size == kChunk * kChunks;
  });
  writer.join();
  REQUIRE(indexed);
  // Long enough for a racy re-read to have come (kRacyWindow after a read).
  net::testing::RunFor(*f.loop, std::chrono::milliseconds(2500));
  const std::int64_t read = BytesReadSoFar() - read_before;
  INFO("read " << read << " bytes for a file of " << kChunk * kChunks);
  CHECK(seen_waiting);
  // At most a partial read while it was written, then one whole read.
  CHECK(read <= 2 * kChunk * kChunks + (4 << 20));
  CHECK(f.runner->Status().settling == 0);
}

TEST_CASE("a pull pass that falls due while a scan hashes waits until the scan has committed",
          "[cli][folder_runner]") {
  RunnerFixture f(/*watch=*/false);
  REQUIRE(f.FirstScanDone());
  const std::int64_t passes_before = f.runner->pull_passes();
  // 16 MiB to hash (sparse: no disk space) is over the 8 MiB at which a
  // scan hashes on a thread of its own and the loop goes on.
  const fs::path big = f.root() / "big.img";
  std::ofstream(big).close();
  fs::resize_file(big, std::uintmax_t{16} << 20);
  bool scanned = false;
  std::int64_t passes_when_scanned = -1;
  f.runner->Rescan({}, [&](const Result<ScanResult>& result) {
    CHECK(result.has_value());
    scanned = true;
    passes_when_scanned = f.runner->pull_passes();
  });
  REQUIRE(f.runner->Status().state == "scanning");
  // Due in 1 ms, long before the scan can commit (the runner first looks at
  // the hashing thread after 50 ms): the pass comes while the scan runs.
  f.runner->Kick();
  REQUIRE(RunUntil(*f.loop, [&] { return scanned; }));
  CHECK(passes_when_scanned == passes_before);  // no pass ran during the scan
  CHECK(f.Indexed("big.img"));
  // The held pass runs once the scan is done.
  CHECK(RunUntil(*f.loop, [&] { return f.runner->pull_passes() > passes_before; }));
}

TEST_CASE("a full scan walks on a thread of its own while the loop answers status",
          "[cli][folder_runner]") {
  // Armed after the first scan: the next full scan's planning thread stops
  // in the hook until the test, running the loop, lets it go.
  std::atomic<bool> armed{false};
  std::promise<std::thread::id> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto hook = [&armed, &entered, released] {
    if (!armed.exchange(false)) return;
    entered.set_value(std::this_thread::get_id());
    released.wait();
  };
  RunnerFixture f(/*watch=*/false, hook);
  REQUIRE(f.FirstScanDone());
  for (int i = 0; i < 50; ++i) std::ofstream(f.root() / ("f" + std::to_string(i))) << i;
  armed = true;
  bool scanned = false;
  f.runner->Rescan({}, [&](const Result<ScanResult>& result) {
    REQUIRE(result.has_value());
    CHECK(result->changed == 50);
    scanned = true;
  });
  std::future<std::thread::id> planning = entered.get_future();
  // The loop runs (timers, status) while the planner sits in the hook: the
  // walk and diff are not on the loop thread.
  REQUIRE(RunUntil(*f.loop, [&] {
    return planning.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  CHECK(planning.get() != std::this_thread::get_id());
  FolderStatus status = f.runner->Status();
  CHECK(status.state == "scanning");
  CHECK(status.scan_files_total == 0);  // nothing to count until it has walked
  CHECK_FALSE(scanned);
  CHECK_FALSE(f.Indexed("f0"));
  release.set_value();
  REQUIRE(RunUntil(*f.loop, [&] { return scanned; }));
  CHECK(f.Indexed("f0"));
  CHECK(f.Indexed("f49"));
  CHECK(f.runner->Status().files == 50);
}

#ifdef __linux__
TEST_CASE("a scan's walk and hashing run at background priority, below the loop's",
          "[cli][folder_runner]") {
  std::atomic<int> plan_nice{-100};
  auto hook = [&plan_nice] { plan_nice = ThisThreadNice(); };
  RunnerFixture f(/*watch=*/false, hook);
  REQUIRE(f.FirstScanDone());
  REQUIRE(plan_nice != -100);  // the first full scan planned on its thread
  CHECK(plan_nice == std::min(ThisThreadNice() + kBackgroundNice, 19));
}
#endif

TEST_CASE(
    "while a checkpoint holds the index's writes a scan commits nothing, and it commits once they "
    "are released",
    "[cli][folder_runner]") {
  RunnerFixture f(/*watch=*/false);
  REQUIRE(f.FirstScanDone());
  std::ofstream(f.root() / "notes.txt") << "hello";
  f.index->db().HoldWrites(true);
  bool scanned = false;
  f.runner->Rescan({}, [&](const Result<ScanResult>& result) {
    CHECK(result.has_value());
    scanned = true;
  });
  net::testing::RunFor(*f.loop, std::chrono::milliseconds(300));
  CHECK_FALSE(scanned);
  CHECK_FALSE(f.Indexed("notes.txt"));
  f.index->db().HoldWrites(false);
  REQUIRE(RunUntil(*f.loop, [&] { return scanned; }));
  CHECK(f.Indexed("notes.txt"));
}

TEST_CASE(
    "while a checkpoint holds the index's writes no pull pass runs, and passes run once they "
    "are released",
    "[cli][folder_runner]") {
  RunnerFixture f(/*watch=*/false);
  REQUIRE(f.FirstScanDone());
  const std::int64_t passes_before = f.runner->pull_passes();
  f.index->db().HoldWrites(true);
  f.runner->Kick();
  net::testing::RunFor(*f.loop, std::chrono::milliseconds(300));
  CHECK(f.runner->pull_passes() == passes_before);
  f.index->db().HoldWrites(false);
  CHECK(RunUntil(*f.loop, [&] { return f.runner->pull_passes() > passes_before; }));
}

}  // namespace
}  // namespace shoal::cli
