// Chaos: three real daemons share a folder while a seeded random workload
// creates, edits, renames and deletes files, edits the same names on two
// devices at once, and SIGKILLs and restarts daemons at random moments.
// After healing, the simulation's invariants are checked on real disks
// (docs/reliability.md): convergence, no lost content (every content a
// user did not knowingly replace is under some name, in a conflict copy or
// in .shoal/versions), no temp files left, PRAGMA integrity_check, and each
// index agreeing with its disk.
//
// ctest runs a short version (SHOAL_CHAOS_SEEDS=1, 40 steps); `make chaos
// SEEDS=1:20 STEPS=300` runs long ones. A failure prints the seed and the
// action log; the workload is a function of the seed, the timing is not.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/store/database.h"
#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

constexpr const char* kNames[] = {"a.txt",   "b.txt",   "c.md",      "d/e.txt",
                                  "d/f.bin", "g/h.txt", "g/i/j.txt", "k"};

struct ChaosOptions {
  std::uint64_t first_seed = 1;
  std::uint64_t last_seed = 1;
  int steps = 40;
};

ChaosOptions OptionsFromEnvironment() {
  ChaosOptions o;
  if (const char* seeds = std::getenv("SHOAL_CHAOS_SEEDS")) {
    std::string text(seeds);
    auto colon = text.find(':');
    o.first_seed = std::stoull(text.substr(0, colon));
    o.last_seed = colon == std::string::npos ? o.first_seed : std::stoull(text.substr(colon + 1));
  }
  if (const char* steps = std::getenv("SHOAL_CHAOS_STEPS")) o.steps = std::atoi(steps);
  return o;
}

bool IsStateDir(const fs::path& relative) { return *relative.begin() == ".shoal"; }

// Files and directories of a synced folder, without .shoal/ and temp files.
std::map<std::string, std::string> UserTree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (auto& [name, content] : Tree(root)) {
    if (!IsStateDir(fs::path(name))) out[name] = content;
  }
  return out;
}

// Every regular file's content under `dir` (any depth), temp files included.
void CollectContents(const std::string& dir, std::set<std::string>& out) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    if (it->is_regular_file() && !it->is_symlink()) out.insert(ReadFile(it->path().string()));
  }
}

std::vector<std::string> TempFiles(const std::string& root) {
  std::vector<std::string> out;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    if (it->path().filename().string().rfind(".shoal.tmp.", 0) == 0) {
      out.push_back(it->path().string());
    }
  }
  return out;
}

class ChaosRun {
 public:
  ChaosRun(const std::string& base, std::uint64_t seed, int steps)
      : seed_(seed), steps_(steps), rng_(seed) {
    for (const char* name : {"one", "two", "three"}) {
      devices_.push_back(std::make_unique<TestDevice>(base, name));
    }
  }

  void Setup() {
    for (auto& d : devices_) d->Start();
    TestDevice& a = *devices_[0];
    TestDevice& b = *devices_[1];
    TestDevice& c = *devices_[2];
    Pair(a, b);
    Pair(a, c);
    Pair(b, c);
    WriteFile(a.Path("a.txt"), "seed content");
    must_exist_.insert("seed content");
    folder_ = ShareFolder(a, b, "Chaos");
    a.Json({"share", folder_, c.id()});
    c.Json({"folder", "accept", folder_, c.sync_dir()});
    b.Json({"share", folder_, c.id()});
    c.Json({"share", folder_, b.id()});
  }

  void RunWorkload() {
    for (int step = 0; step < steps_; ++step) {
      RestartDue(step);
      const int roll = static_cast<int>(rng_() % 100);
      if (roll < 40) {
        Write(RandomRunning(), Pick(), step);
      } else if (roll < 55) {
        Delete(RandomRunning());
      } else if (roll < 70) {
        Rename(RandomRunning());
      } else if (roll < 82) {
        ConcurrentEdit(step);
      } else if (roll < 92) {
        Kill(step);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng_() % 150));
    }
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      if (!devices_[i]->running()) Restart(i);
    }
  }

  bool Converged() {
    auto first = UserTree(devices_[0]->sync_dir());
    for (auto& d : devices_) {
      if (UserTree(d->sync_dir()) != first) return false;
    }
    for (auto& d : devices_) {
      const auto status = d->Status();
      for (const auto& f : status["folders"]) {
        if (f["need"].get<int>() != 0 || f["state"].get<std::string>() != "idle") return false;
      }
    }
    return UserTree(devices_[0]->sync_dir()) == first;  // nothing moved meanwhile
  }

  void CheckInvariants() {
    INFO("seed " << seed_ << " (replay: SHOAL_CHAOS_SEEDS=" << seed_
                 << " SHOAL_CHAOS_STEPS=" << steps_ << ")\nactions:\n"
                 << log_.str());
    bool converged = Eventually([&] { return Converged(); }, std::chrono::seconds(120));
    if (!converged) {
      for (auto& d : devices_) UNSCOPED_INFO("log of " << d->home() << ":\n" << d->log());
    }
    REQUIRE(converged);
    // No lost content: on some device, under some name or kept aside.
    std::set<std::string> found;
    for (auto& d : devices_) CollectContents(d->sync_dir(), found);
    for (const std::string& content : must_exist_) {
      INFO("content: " << content.substr(0, 40));
      CHECK(found.count(content) == 1);
    }
    for (auto& d : devices_) {
      INFO("device " << d->home());
      CHECK(TempFiles(d->sync_dir()).empty());
    }
    auto tree = UserTree(devices_[0]->sync_dir());
    for (auto& d : devices_) d->Stop();
    for (auto& d : devices_) CheckIndex(*d, tree);
  }

 private:
  TestDevice& Device(std::size_t i) { return *devices_[i]; }

  std::size_t RandomRunning() {
    std::vector<std::size_t> up;
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i]->running()) up.push_back(i);
    }
    if (up.empty()) {
      Restart(0);
      return 0;
    }
    return up[rng_() % up.size()];
  }

  std::string Pick() { return kNames[rng_() % std::size(kNames)]; }

  std::string NewContent(int step, std::size_t device) {
    std::string content = "seed " + std::to_string(seed_) + " step " + std::to_string(step) +
                          " device " + std::to_string(device) + " #" + std::to_string(++writes_);
    const std::size_t filler = rng_() % 4 == 0 ? rng_() % 300'000 : rng_() % 3'000;
    content.reserve(content.size() + filler + 1);
    content.push_back('\n');
    for (std::size_t i = 0; i < filler; ++i)
      content.push_back(static_cast<char>('a' + rng_() % 26));
    return content;
  }

  // What the user of `device` sees at `name` and knowingly replaces.
  void Forget(std::size_t device, const std::string& name) {
    std::error_code error;
    const std::string path = Device(device).Path(name);
    if (fs::is_regular_file(path, error)) must_exist_.erase(ReadFile(path));
  }

  bool NameUsable(std::size_t device, const std::string& name) {
    // A file cannot be written where the workload made a directory, or
    // below a name that is a file.
    fs::path p(Device(device).Path(name));
    std::error_code error;
    if (fs::is_directory(p, error)) return false;
    for (fs::path parent = p.parent_path(); parent != Device(device).sync_dir();
         parent = parent.parent_path()) {
      if (fs::exists(parent, error) && !fs::is_directory(parent, error)) return false;
    }
    return true;
  }

  void Write(std::size_t device, const std::string& name, int step) {
    if (!NameUsable(device, name)) return;
    Forget(device, name);
    std::string content = NewContent(step, device);
    WriteFile(Device(device).Path(name), content);
    must_exist_.insert(content);
    log_ << "step " << step << ": write " << name << " on " << device << "\n";
  }

  void Delete(std::size_t device) {
    const std::string name = Pick();
    std::error_code error;
    if (!fs::is_regular_file(Device(device).Path(name), error)) return;
    Forget(device, name);
    fs::remove(Device(device).Path(name), error);
    log_ << "delete " << name << " on " << device << "\n";
  }

  void Rename(std::size_t device) {
    const std::string from = Pick();
    const std::string to = Pick();
    std::error_code error;
    if (from == to || !fs::is_regular_file(Device(device).Path(from), error) ||
        fs::exists(Device(device).Path(to), error) || !NameUsable(device, to)) {
      return;
    }
    fs::create_directories(fs::path(Device(device).Path(to)).parent_path(), error);
    fs::rename(Device(device).Path(from), Device(device).Path(to), error);
    log_ << "rename " << from << " -> " << to << " on " << device << "\n";
  }

  void ConcurrentEdit(int step) {
    const std::string name = Pick();
    std::size_t first = RandomRunning();
    std::size_t second = (first + 1 + rng_() % 2) % devices_.size();
    log_ << "step " << step << ": concurrent edits of " << name << " on " << first << " and "
         << second << "\n";
    Write(first, name, step);
    Write(second, name, step);  // a stopped device's disk still changes
  }

  void Kill(int step) {
    std::size_t victim = RandomRunning();
    Device(victim).Kill9();
    restart_at_[victim] = step + 1 + static_cast<int>(rng_() % 5);
    log_ << "step " << step << ": kill -9 " << victim << "\n";
  }

  void RestartDue(int step) {
    for (auto it = restart_at_.begin(); it != restart_at_.end();) {
      if (it->second <= step) {
        log_ << "step " << step << ": restart " << it->first << "\n";
        std::size_t device = it->first;
        it = restart_at_.erase(it);
        Restart(device);
      } else {
        ++it;
      }
    }
  }

  void Restart(std::size_t device) {
    restart_at_.erase(device);
    if (!Device(device).running()) Device(device).Start();
  }

  // The daemon is stopped: its database passes integrity_check and its
  // local entries are exactly the names on disk, with their sizes.
  void CheckIndex(TestDevice& d, const std::map<std::string, std::string>& tree) {
    INFO("index of " << d.home());
    auto db = Database::Open(d.home() + "/index.db");
    REQUIRE(db);
    auto check = db->Prepare("PRAGMA integrity_check");
    REQUIRE(check);
    REQUIRE((*check)->Step().value());
    CHECK((*check)->ColumnText(0) == "ok");
    (*check)->Reset();
    auto rows = db->Prepare(
        "SELECT f.name, f.type, f.size FROM files f JOIN devices d ON f.device = d.id "
        "WHERE d.is_local = 1 AND f.deleted = 0 ORDER BY f.name");
    REQUIRE(rows);
    std::map<std::string, std::string> indexed;
    while ((*rows)->Step().value()) {
      const std::string name = (*rows)->ColumnText(0);
      indexed[name] = (*rows)->ColumnInt(1) == 1 ? "dir" : std::to_string((*rows)->ColumnInt(2));
    }
    (*rows)->Reset();
    std::map<std::string, std::string> on_disk;
    for (const auto& [name, content] : tree) {
      on_disk[name] = content == "dir" ? "dir" : std::to_string(content.size());
    }
    CHECK(indexed == on_disk);
  }

  std::uint64_t seed_;
  int steps_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<TestDevice>> devices_;
  std::string folder_;
  std::set<std::string> must_exist_;
  std::map<std::size_t, int> restart_at_;
  std::ostringstream log_;
  int writes_ = 0;
};

}  // namespace

TEST_CASE("chaos: three daemons under random edits and kill -9 converge and lose nothing",
          "[e2e][chaos]") {
  const ChaosOptions options = OptionsFromEnvironment();
  for (std::uint64_t seed = options.first_seed; seed <= options.last_seed; ++seed) {
    TempDir dir;
    ChaosRun run(dir.path().string(), seed, options.steps);
    run.Setup();
    run.RunWorkload();
    run.CheckInvariants();
  }
}

}  // namespace shoal::e2e
