// The other half of the hostile harness: a real daemon under attack and
// what the tests watch of it.
//
//  * MemoryCage puts a process in a memory cgroup of its own (v2 or v1),
//    so a victim that loses control of its memory is killed by the kernel
//    instead of taking the machine with it.
//  * Sample reads /proc/PID: peak and current RSS, open fds, bytes read
//    from storage.
//  * VictimWatch samples the victim on a thread of its own while an attack
//    runs: its open fds and one status round trip every 100 ms.
//  * Scene is the cast of every attack: a victim, an honest device paired
//    with it that shares a folder, and Mallory, a device the victim also
//    paired with (devices add) and shared the folder with. After an attack,
//    ExpectUnharmed checks what every row of issue 15 demands: the victim
//    is up, answers status in time, still syncs both ways with the honest
//    device, and lost nothing; and it reports what the watch saw.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "net/identity/identity.h"
#include "tests/e2e/daemon_process.h"
#include "tests/hostile/hostile_peer.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tmpfs.h"

namespace shoal::hostile {

class MemoryCage {
 public:
  // Moves `pid` into a new memory cgroup limited to `bytes`. Fails the test
  // when neither cgroup v2 nor v1's memory controller can be used.
  MemoryCage(pid_t pid, std::int64_t bytes);
  ~MemoryCage();  // moves nothing back: the victim is gone by then
  MemoryCage(const MemoryCage&) = delete;
  MemoryCage& operator=(const MemoryCage&) = delete;
  // Times the cgroup hit its limit (v1 failcnt / v2 events "max").
  std::int64_t limit_hits() const;

 private:
  std::string dir_;
  bool v2_ = false;
};

struct ProcSample {
  std::int64_t peak_rss_kib = 0;  // VmHWM
  std::int64_t rss_kib = 0;       // VmRSS
  int fds = 0;
  std::int64_t read_bytes = 0;  // /proc/PID/io: from storage
  std::int64_t rchar = 0;       // /proc/PID/io: through read(2) and friends
};
ProcSample Sample(pid_t pid);

// One `status` round trip over the control socket (the watch's probe, with
// a minute to answer); milliseconds::max() when none came.
std::chrono::milliseconds StatusLatency(const e2e::TestDevice& device);

// What the watch saw of the victim while it ran.
struct WatchSummary {
  int max_fds = 0;
  std::int64_t max_status_ms = 0;
  int probes = 0;      // status round trips answered
  int unanswered = 0;  // round trips with no answer within 5 s
};

// Samples `pid` every 100 ms until it goes: open fds from /proc, and one
// status round trip over `control_socket` (each bounded by 5 s). It uses
// no test macros, which are not safe off the test's thread.
class VictimWatch {
 public:
  VictimWatch(pid_t pid, std::string control_socket);
  ~VictimWatch();
  VictimWatch(const VictimWatch&) = delete;
  VictimWatch& operator=(const VictimWatch&) = delete;
  WatchSummary summary() const;

 private:
  void Run();

  const pid_t pid_;
  const std::string control_socket_;
  mutable std::mutex mutex_;
  WatchSummary summary_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The fixed identity every test's Mallory uses.
const net::Identity& MalloryIdentity();

class Scene {
 public:
  // `configure` runs on the victim before it first starts (daemon args,
  // limits).
  // `victim_disk`: when set (e.g. "128m"), the victim's folder is on a
  // tmpfs of that size (root only: the test fails if it cannot mount).
  explicit Scene(const std::function<void(e2e::TestDevice&)>& configure = {},
                 const std::string& victim_disk = "");
  ~Scene();

  e2e::TestDevice& victim() { return *victim_; }
  e2e::TestDevice& honest() { return *honest_; }
  const std::string& folder() const { return folder_; }
  std::string mallory_id() const;

  // Mallory connects to the victim, exchanges Hello and ClusterConfig (it
  // lists the folders the victim shares with it, with their seeds).
  std::unique_ptr<HostilePeer> Mallory();

  // The victim is up, its status answers in under `status_limit`, a file
  // written on each side reaches the other, and every file written before
  // the attack is still there unchanged. Reports (WARN) the victim's peak
  // RSS, and the most fds and the slowest status the watch saw since the
  // scene was set.
  void ExpectUnharmed(std::chrono::milliseconds status_limit = std::chrono::seconds(1));
  // The victim's log mentions `text` (the reason it logged for the attack).
  bool Logged(const std::string& text) const;
  // What the watch has seen so far.
  WatchSummary watched() const { return watch_->summary(); }

 private:
  testing::TempDir dir_;
  std::unique_ptr<testing::Tmpfs> disk_;  // unmounted before dir_ goes
  std::unique_ptr<e2e::TestDevice> victim_;
  std::unique_ptr<e2e::TestDevice> honest_;
  std::unique_ptr<MemoryCage> cage_;
  std::unique_ptr<VictimWatch> watch_;
  std::int64_t peak_rss_before_kib_ = 0;
  std::string folder_;
  int round_ = 0;
};

// The victim's cage: far below what this machine has, far above what a
// daemon needs (the attacks' own bounds are tighter and asserted).
inline constexpr std::int64_t kVictimMemoryLimit = std::int64_t{1} << 30;

}  // namespace shoal::hostile
