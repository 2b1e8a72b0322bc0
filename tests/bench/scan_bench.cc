// Scanner benchmark (issue: index engine). Prints, does not assert:
//   - initial scan of a few large files (MB/s),
//   - initial scan of 20,000 small files of 1-16 KiB (files/s),
//   - rescan of 100,000 unchanged files (seconds; target <= 1 s),
//   - index size on disk per file (block lists excluded) and per block.
// Data is generated under $TMPDIR from fixed seeds; each timing is the
// median of --runs runs. Usage: shoal_bench_scan [--quick] [--runs N]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/parallel_for.h"
#include "core/fs/posix_file_system.h"
#include "core/scan/scanner.h"
#include "core/store/database.h"
#include "tests/support/temp_dir.h"

namespace shoal::bench {
namespace {

using Seconds = std::chrono::duration<double>;

void WriteRandomFile(const std::string& path, std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> buf(1 << 17);  // 1 MiB
  std::ofstream out(path, std::ios::binary);
  while (size > 0) {
    for (auto& w : buf) w = rng();
    std::size_t n = std::min(size, buf.size() * 8);
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(n));
    size -= n;
  }
}

void MakeSmallFiles(const std::filesystem::path& root, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < count; ++i) {
    auto dir = root / ("d" + std::to_string(i / 500));
    if (i % 500 == 0) std::filesystem::create_directories(dir);
    WriteRandomFile((dir / ("f" + std::to_string(i))).string(), 1024 + rng() % (15 * 1024), rng());
  }
}

struct Scanned {
  ScanResult result;
  double seconds = 0;
};

// A fresh index (on disk, as the daemon has it) and one full scan.
Scanned ScanInto(const std::string& root, const std::string& db_path, int repeat_rescans,
                 std::vector<double>* rescan_seconds) {
  std::filesystem::remove(db_path);
  std::filesystem::remove(db_path + "-wal");
  std::filesystem::remove(db_path + "-shm");
  Index index = Index::Open(db_path).value();
  DeviceId::Key key{};
  key.fill(1);
  DeviceKey device = index.PutDevice({{}, DeviceId(key), "", "", true, false}).value();
  FolderRecord folder = index.AddFolder({{}, "bench", root, ""}).value();
  ScanConfig config{folder.key, device, DeviceId(key).ShortId(), folder.hash_seed,
                    DefaultWorkerThreads()};
  auto fs = PosixFileSystem::Open(root).value();
  SystemClock clock;
  Scanner scanner(*fs, index, clock, config);
  auto start = std::chrono::steady_clock::now();
  Scanned out{scanner.ScanAll().value(), 0};
  out.seconds = Seconds(std::chrono::steady_clock::now() - start).count();
  for (int i = 0; i < repeat_rescans; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ScanResult again = scanner.ScanAll().value();
    rescan_seconds->push_back(Seconds(std::chrono::steady_clock::now() - t0).count());
    if (again.changed != 0)
      std::printf("  (warning: rescan changed %lld)\n", (long long)again.changed);
  }
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Bytes on disk per table and index (SQLite's dbstat), split into the
// per-file budget (DESIGN.md: <= ~300 bytes per file, block lists excluded)
// and the per-block part (block lists and block locations).
void PrintIndexSize(const std::string& db_path, int files, std::int64_t blocks) {
  Database db = Database::Open(db_path).value();
  (void)db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  auto stmt = db.Prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC");
  if (!stmt) {
    std::printf("index size: dbstat unavailable (%s)\n", stmt.error().message.c_str());
    return;
  }
  std::int64_t per_file = 0;
  std::int64_t per_block = 0;
  std::printf("index on disk, %d files, %lld blocks:\n", files, static_cast<long long>(blocks));
  while ((*stmt)->Step().value_or(false)) {
    std::string name = (*stmt)->ColumnText(0);
    std::int64_t bytes = (*stmt)->ColumnInt(1);
    bool block_part = name.find("block_") != std::string::npos;
    (block_part ? per_block : per_file) += bytes;
    std::printf("  %-40s %10lld bytes\n", name.c_str(), static_cast<long long>(bytes));
  }
  std::printf(
      "index size: %.0f bytes per file (block lists excluded; target <= 300), "
      "%.0f bytes per block\n",
      static_cast<double>(per_file) / files,
      blocks > 0 ? static_cast<double>(per_block) / static_cast<double>(blocks) : 0.0);
  std::printf("index size: %.1f MB total on disk\n",
              static_cast<double>(std::filesystem::file_size(db_path)) / 1e6);
}

void DropCachesHint() {
  std::printf("  (page cache warm: figures measure CPU + syscalls, not the disk)\n");
}

}  // namespace

int Main(int argc, char** argv) {
  bool quick = false;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::atoi(argv[++i]);
  }
  const std::size_t large_total = quick ? (256u << 20) : (2048u << 20);
  const int small_files = quick ? 2000 : 20000;
  const int rescan_files = quick ? 10000 : 100000;
  testing::TempDir tmp;
  std::printf("shoal scan benchmark: %d hashing threads, median of %d runs%s\n",
              DefaultWorkerThreads(), runs, quick ? " (--quick sizes)" : "");
  DropCachesHint();

  {  // Large files.
    auto root = tmp.path() / "large";
    std::filesystem::create_directories(root);
    for (int i = 0; i < 4; ++i)
      WriteRandomFile((root / ("big" + std::to_string(i))).string(), large_total / 4, 100 + i);
    std::vector<double> t;
    Scanned s;
    for (int r = 0; r < runs; ++r) {
      s = ScanInto(root.string(), tmp.File("large.db"), 0, nullptr);
      t.push_back(s.seconds);
    }
    double mb = static_cast<double>(s.result.hashed_bytes) / 1e6;
    std::printf("initial scan, 4 files, %.0f MiB: %.3f s median, %.0f MB/s (%lld blocks)\n",
                static_cast<double>(large_total) / (1 << 20), Median(t), mb / Median(t),
                static_cast<long long>(s.result.hashed_blocks));
    std::filesystem::remove_all(root);
  }
  {  // Small files.
    auto root = tmp.path() / "small";
    MakeSmallFiles(root, small_files, 7);
    std::vector<double> t;
    for (int r = 0; r < runs; ++r)
      t.push_back(ScanInto(root.string(), tmp.File("small.db"), 0, nullptr).seconds);
    std::printf("initial scan, %d files of 1-16 KiB: %.3f s median, %.0f files/s\n", small_files,
                Median(t), small_files / Median(t));
    std::filesystem::remove_all(root);
  }
  {  // Rescan of many unchanged files, and index size.
    auto root = tmp.path() / "many";
    MakeSmallFiles(root, rescan_files, 8);
    std::vector<double> rescans;
    std::string db = tmp.File("many.db");
    Scanned s = ScanInto(root.string(), db, runs, &rescans);
    std::printf("initial scan, %d files: %.3f s, %.0f files/s\n", rescan_files, s.seconds,
                rescan_files / s.seconds);
    std::printf("rescan, %d unchanged files: %.3f s median (target <= 1 s)\n", rescan_files,
                Median(rescans));
    PrintIndexSize(db, rescan_files, s.result.hashed_blocks);
  }
  return 0;
}

}  // namespace shoal::bench

int main(int argc, char** argv) { return shoal::bench::Main(argc, argv); }
