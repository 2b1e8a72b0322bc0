// Versioning cost (issue 11 "Versioning"). Prints, does not assert: per
// file, what the puller pays to keep the old content of a file a peer
// replaces or deletes (VersionArchive::Keep: a rename into
// .shoal/versions plus an fsync of its directory) against what deleting
// it used to cost (unlink plus an fsync of its directory), and keeping in
// batches of 64 as FinishBatch does (one fsync per batch), on the disk
// under $TMPDIR. New files, as in the 20,000-file and 1 GiB benchmarks,
// keep nothing and cost nothing extra. Usage: shoal_bench_versions [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "core/base/clock.h"
#include "core/fs/posix_file_system.h"
#include "core/pull/version_archive.h"
#include "tests/support/temp_dir.h"

namespace shoal::bench {
namespace {

using Seconds = std::chrono::duration<double>;

void MakeFiles(const std::string& root, int n) {
  std::string content(4096, 'x');
  std::filesystem::create_directories(root + "/d");
  for (int i = 0; i < n; ++i) std::ofstream(root + "/d/f" + std::to_string(i)) << content;
}

int Run(int n) {
  testing::TempDir dir;
  const std::string root = dir.path().string();
  auto fs = PosixFileSystem::Open(root);
  if (!fs) return std::fprintf(stderr, "%s\n", fs.error().message.c_str()), 1;
  SystemClock clock;
  VersionArchive archive(**fs, clock);

  MakeFiles(root, n);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    if (auto ok = (*fs)->RemoveFile("d/f" + std::to_string(i)); !ok) return 1;
    if (auto ok = (*fs)->SyncDir("d"); !ok) return 1;
  }
  const double removed = Seconds(std::chrono::steady_clock::now() - start).count();

  MakeFiles(root, n);
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    if (auto ok = archive.Keep("d/f" + std::to_string(i)); !ok) {
      return std::fprintf(stderr, "%s\n", ok.error().message.c_str()), 1;
    }
  }
  const double kept = Seconds(std::chrono::steady_clock::now() - start).count();

  // As the puller keeps what a batch of 64 replaced files held: one fsync per batch.
  MakeFiles(root, n);
  start = std::chrono::steady_clock::now();
  std::set<std::string> unsynced;
  for (int i = 0; i < n; ++i) {
    if (auto ok = archive.Keep("d/f" + std::to_string(i), &unsynced); !ok) return 1;
    if (i % 64 != 63 && i != n - 1) continue;
    for (const std::string& d : unsynced) {
      if (auto ok = (*fs)->SyncDir(d); !ok) return 1;
    }
    unsynced.clear();
  }
  const double batched = Seconds(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "versions: %d files of 4 KiB: delete+fsync %.1f us/file, keep %.1f us/file, "
      "keep in batches of 64 %.1f us/file\n",
      n, removed / n * 1e6, kept / n * 1e6, batched / n * 1e6);
  return 0;
}

}  // namespace
}  // namespace shoal::bench

int main(int argc, char** argv) { return shoal::bench::Run(argc > 1 ? std::atoi(argv[1]) : 2000); }
