// Test support for what the daemon runs beside its index on the loop
// (IndexTrim, IndexCheckpointer): a real index file with one device and
// one folder, an event loop, and commits of new names.
#pragma once

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/store/index.h"
#include "net/loop/event_loop.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal::cli::testing {

// The size of the index's write-ahead log, -1 when there is none.
inline std::int64_t WalBytes(const std::string& path) {
  struct stat st {};
  return ::stat((path + "-wal").c_str(), &st) == 0 ? st.st_size : -1;
}

struct IndexLoopFixture {
  shoal::testing::TempDir dir;
  std::string path = dir.File("index.db");
  Index index = Index::Open(path).value();
  DeviceKey local =
      index.PutDevice({{}, shoal::testing::MakeDeviceId(1), "here", "", true, false}).value();
  FolderKey folder = index.AddFolder({{}, "docs", "/data/docs", ""}).value().key;
  std::unique_ptr<net::EventLoop> loop = std::move(*net::EventLoop::Create());
  std::int64_t sequence = 0;

  // What a test declares after the fixture is gone by now: timers closed,
  // checkpoints finished.
  ~IndexLoopFixture() {
    loop->Run();
    CHECK(loop->Close());
  }

  // One commit of `count` new names; `deferred`, without waiting for the
  // log's sync, as a scan's commits.
  void Commit(int count = 200, bool deferred = false) {
    std::vector<FileInfo> batch;
    for (int i = 0; i < count; ++i) {
      FileInfo f;
      f.name = "f" + std::to_string(++sequence);
      f.size = 1;
      f.version.Set(1, 1);
      batch.push_back(std::move(f));
    }
    std::optional<DeferredSync> scope;
    if (deferred) scope.emplace(index.db());
    REQUIRE(index.PutFiles(folder, local, batch));
  }
};

}  // namespace shoal::cli::testing
