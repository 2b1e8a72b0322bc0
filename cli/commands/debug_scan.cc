#include "cli/commands/debug_scan.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/base/parallel_for.h"
#include "core/fs/posix_file_system.h"
#include "core/scan/scanner.h"

namespace shoal::cli {
namespace {

struct Options {
  std::string path;
  std::string db = ":memory:";
  int threads = DefaultWorkerThreads();
  int repeat = 1;
  bool json = false;
  bool list = false;
};

std::string_view ProblemName(ScanProblemKind kind) {
  switch (kind) {
    case ScanProblemKind::kPermissionDenied:
      return "permission-denied";
    case ScanProblemKind::kInvalidName:
      return "invalid-name";
    case ScanProblemKind::kSpecialFile:
      return "special-file";
    case ScanProblemKind::kCaseConflict:
      return "case-conflict";
    case ScanProblemKind::kChangedWhileRead:
      return "changed-while-read";
    case ScanProblemKind::kIo:
      return "io";
  }
  return "unknown";
}

// Opens (or creates) the index and its scratch folder entry for `root`.
Result<ScanConfig> Prepare(Index& index, const std::string& root, int threads) {
  DeviceId::Key key{};
  key.fill(0x5a);  // a fixed stand-in identity: this index never leaves the machine
  auto device = index.PutDevice({{}, DeviceId(key), "debug", "", true, false});
  if (!device) return device.error();
  auto folder = index.FindFolder(root);
  if (!folder) return folder.error();
  if (!*folder) {
    auto added = index.AddFolder({{}, root, root, "debug scan"});
    if (!added) return added.error();
    *folder = *added;
  }
  ScanConfig config;
  config.folder_key = (*folder)->key;
  config.local_device_key = *device;
  config.local_short_id = DeviceId(key).ShortId();
  config.hash_seed = (*folder)->hash_seed;
  config.hash_threads = threads;
  return config;
}

nlohmann::json ToJson(const ScanResult& r, std::int64_t pass) {
  double seconds = std::chrono::duration<double>(r.elapsed).count();
  nlohmann::json problems = nlohmann::json::array();
  for (const ScanProblem& p : r.problems) {
    problems.push_back({{"kind", ProblemName(p.kind)}, {"path", p.path}, {"message", p.message}});
  }
  return {{"pass", pass},
          {"files", r.files},
          {"directories", r.directories},
          {"symlinks", r.symlinks},
          {"bytes", r.bytes},
          {"changed", r.changed},
          {"deleted", r.deleted},
          {"hashed_files", r.hashed_files},
          {"hashed_bytes", r.hashed_bytes},
          {"blocks", r.hashed_blocks},
          {"seconds", seconds},
          {"problems", problems},
          {"unstable", r.unstable},
          {"racy", r.racy}};
}

void PrintHuman(const ScanResult& r, std::int64_t pass) {
  double seconds = std::chrono::duration<double>(r.elapsed).count();
  double mb = static_cast<double>(r.hashed_bytes) / 1e6;
  std::printf("scan %lld: %lld files, %lld directories, %lld symlinks, %.1f MB\n",
              static_cast<long long>(pass), static_cast<long long>(r.files),
              static_cast<long long>(r.directories), static_cast<long long>(r.symlinks),
              static_cast<double>(r.bytes) / 1e6);
  std::printf("  changed %lld, deleted %lld; hashed %lld files, %lld blocks, %.1f MB\n",
              static_cast<long long>(r.changed), static_cast<long long>(r.deleted),
              static_cast<long long>(r.hashed_files), static_cast<long long>(r.hashed_blocks), mb);
  auto secs = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  std::printf("  %.3f s (walk %.3f, hash %.3f, commit %.3f)", seconds, secs(r.walk_time),
              secs(r.hash_time), secs(r.commit_time));
  if (seconds > 0 && r.hashed_bytes > 0) std::printf(", %.0f MB/s hashed", mb / seconds);
  if (seconds > 0)
    std::printf(", %.0f entries/s", (r.files + r.directories + r.symlinks) / seconds);
  std::printf("\n");
  for (const ScanProblem& p : r.problems) {
    std::printf("  %s: %s\n", std::string(ProblemName(p.kind)).c_str(), p.message.c_str());
  }
}

int Run(const Options& o) {
  std::error_code ec;
  std::string root = std::filesystem::canonical(o.path, ec).string();
  if (ec || !std::filesystem::is_directory(root)) {
    std::fprintf(stderr, "shoal: '%s' is not a directory I can read\n", o.path.c_str());
    return 1;
  }
  auto index = Index::Open(o.db);
  if (!index) {
    std::fprintf(stderr, "shoal: %s\n", index.error().message.c_str());
    return 1;
  }
  auto config = Prepare(*index, root, o.threads);
  if (!config) {
    std::fprintf(stderr, "shoal: %s\n", config.error().message.c_str());
    return 1;
  }
  auto fs = PosixFileSystem::Open(root);
  if (!fs) {
    std::fprintf(stderr, "shoal: %s\n", fs.error().message.c_str());
    return 1;
  }
  SystemClock clock;
  Scanner scanner(**fs, *index, clock, *config);
  nlohmann::json passes = nlohmann::json::array();
  for (int pass = 1; pass <= o.repeat; ++pass) {
    auto result = scanner.ScanAll();
    if (!result) {
      std::fprintf(stderr, "shoal: %s\n", result.error().message.c_str());
      return 1;
    }
    if (o.json) {
      passes.push_back(ToJson(*result, pass));
    } else {
      PrintHuman(*result, pass);
    }
  }
  if (o.list) {
    auto ok =
        index->ForEachSince(config->folder_key, config->local_device_key, 0, [&](FileInfo&& f) {
          std::printf("%s\t%lld bytes\t%zu blocks%s\n", f.name.c_str(),
                      static_cast<long long>(f.size), f.blocks.size(),
                      f.deleted ? "\tdeleted" : "");
          return true;
        });
    if (!ok) {
      std::fprintf(stderr, "shoal: %s\n", ok.error().message.c_str());
      return 1;
    }
  }
  if (o.json)
    std::printf("%s\n", nlohmann::json{{"path", root}, {"scans", passes}}.dump(2).c_str());
  return 0;
}

}  // namespace

void RegisterDebugScan(CLI::App& debug, CommandContext& context) {
  auto options = std::make_shared<Options>();
  CLI::App* scan =
      debug.add_subcommand("scan", "Scan a directory and print files, blocks, bytes, time");
  scan->add_option("PATH", options->path, "Directory to scan")->required();
  scan->add_option("--db", options->db,
                   "Index database to use (default: in memory); reuse it to see a rescan")
      ->type_name("FILE");
  scan->add_option("--threads", options->threads, "Hashing threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  scan->add_option("--repeat", options->repeat, "Scan this many times in a row (rescan timing)")
      ->check(CLI::Range(1, 1000));
  scan->add_flag("--list", options->list, "Print every indexed entry afterwards");
  scan->add_flag("--json", options->json, "Machine-readable output");
  scan->callback([options, &context] { context.exit_code = Run(*options); });
}

}  // namespace shoal::cli
