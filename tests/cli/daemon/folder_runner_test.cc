// FolderRunner on a real temp folder, SQLite index and event loop: the
// watcher's batches turn into scans, and a pull pass that falls due while a
// scan hashes waits until that scan has committed.
#include "cli/daemon/folder_runner.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

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
  explicit RunnerFixture(bool watch) {
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

}  // namespace
}  // namespace shoal::cli
