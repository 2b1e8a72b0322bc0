// SimCluster: N devices of one shared folder in one process (DESIGN.md
// "Layers": the simulation is how we prove convergence and no data loss).
// Each device has its own MemoryFileSystem (its disk), an Index in a file
// of the run's TempDir, and a FolderEngine; links between every pair carry
// EngineMessages through the Scheduler. Everything runs on the calling
// thread and every choice comes from the scheduler's seed.
//
// Faults: a link can be dropped (whatever is in flight on it is lost, both
// engines get PeerDisconnected) and reconnected later; devices can be
// split into two partitions; a device can crash, losing its engine and
// open Index (the disk and committed index rows stay, temp files too),
// either at once or when its next pull reaches a given PullStep. Restart
// reopens the index from its file.
//
// Device d has the DeviceId whose key bytes are all d + 1 (first byte
// included), so its short ID starts with byte d + 1 (VersionText relies on
// that).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/device_id.h"
#include "core/store/index.h"
#include "core/sync/folder_engine.h"
#include "tests/sim/invariants.h"
#include "tests/sim/scheduler.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/queued_offload.h"
#include "tests/support/temp_dir.h"

namespace shoal::sim {

// Engine knobs; the random driver varies them per seed.
struct ClusterConfig {
  std::size_t index_batch_bytes = std::size_t{1} << 20;
  std::size_t pull_batch_files = 64;
  std::size_t syncs_per_pass = 0;  // PullerConfig::syncs_per_pass
  // Temp-file fsyncs and block reads for peers run later, as on the
  // daemon's thread pool: queued, and run at the device's next pull.
  bool queued_offload = false;
  // PullerConfig::group_syncs, on file systems whose syncfs is honoured.
  bool group_syncs = false;
  std::int64_t plan_size = 2000;  // PullerConfig::plan_size
  std::size_t need_journal_cap = kNeedJournalCap;
  std::size_t max_requests_in_flight = 64;
  // Links accept block-list deltas, and lists of any length use them.
  bool block_deltas = false;
};

class SimCluster {
 public:
  SimCluster(int devices, Scheduler& scheduler, ClusterConfig config = {});
  ~SimCluster();
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  // Creates every device's store (devices, the folder, its shares) and
  // engine, and connects every pair.
  Result<void> Start();

  int size() const { return static_cast<int>(devices_.size()); }
  Scheduler& scheduler() { return scheduler_; }
  MemoryFileSystem& fs(int device);
  bool up(int device) const;
  bool partitioned() const { return partitioned_; }
  // Pairs (a < b) whose link is up / was dropped and waits to reconnect.
  std::vector<std::pair<int, int>> ConnectedLinks() const;
  std::vector<std::pair<int, int>> DroppedLinks() const;

  // Actions, each written to the scheduler's log. Scan and Pull return
  // whether they changed anything (index entries, files applied).
  bool Edit(int device);  // one random workload edit
  bool Scan(int device);
  bool Pull(int device);
  bool DeliverNext();  // false when nothing is in flight
  // Delivers until nothing is in flight or `limit` messages; returns how many.
  std::size_t DeliverAll(std::size_t limit);
  void Partition(const std::vector<int>& side);  // `side` against the rest
  void Heal();
  void DropLink(int a, int b);
  void ReconnectLink(int a, int b);
  void Crash(int device);
  void Restart(int device);
  void ArmCrash(int device, PullStep step);

  // Heals everything and drives the cluster to rest, then checks the
  // invariants (invariants.h). Returns one line per violation, each
  // starting with its number, e.g. "(2) no data loss: dev1 lost a/x ...";
  // empty when all hold. The state hash is available afterwards.
  std::vector<std::string> SettleAndCheck(int max_rounds = 200);
  std::uint64_t state_hash() const { return state_hash_; }

  // Snapshots of the current state (trees with contents).
  Result<std::vector<Tree>> Trees();
  Result<std::vector<Tree>> VersionTrees();  // each device's kept versions
  Result<std::vector<IndexState>> IndexStates();

 private:
  struct Device {
    int number = 0;
    DeviceId id;
    std::string db_path;
    MemoryFileSystem fs;  // the disk: survives crashes
    // Reset engine first: it refers to the index (and to the offload,
    // whose queued work must have run: StopEngine).
    std::unique_ptr<Index> index;
    testing::QueuedOffload offload;
    std::unique_ptr<FolderEngine> engine;
    FolderKey folder_key;
    DeviceKey local_key;
    std::uint64_t index_id = 0;
    std::vector<DeviceKey> key_of;     // this store's key of each device
    std::optional<PullStep> crash_at;  // armed: crash when the pull reaches it
    bool crash_now = false;
    std::size_t problems_logged = 0;
  };
  class SimLink;
  struct Link {
    bool connected = false;
    bool dropped = false;
    std::unique_ptr<SimLink> forward;   // first -> second, held by first's engine
    std::unique_ptr<SimLink> backward;  // second -> first
  };

  Result<void> CreateStore(Device& device);
  // Destroys the engine as a crash would: work under way on the offload
  // finishes first (the engine waits for it), its results go unheard.
  static void StopEngine(Device& device);
  Result<void> Open(Device& device);
  Link& LinkOf(int a, int b);
  // Brings the link between `a` and `b` up or down to match the devices,
  // the partition and the drop flag.
  void Reconcile(int a, int b);
  void ReconcileAll();
  void LogProblems(Device& device);
  void CrashIfFaulted(int device);
  std::string DiagnoseBusy();

  Scheduler& scheduler_;
  ClusterConfig config_;
  testing::TempDir dir_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::map<std::pair<int, int>, Link> links_;
  std::vector<int> side_;  // partition side per device
  bool partitioned_ = false;
  std::uint64_t state_hash_ = 0;
};

}  // namespace shoal::sim
