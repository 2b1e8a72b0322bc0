#include "tests/sim/sim_cluster.h"

#include "core/base/check.h"
#include "tests/sim/workload.h"

namespace shoal::sim {
namespace {

constexpr const char* kFolderId = "sim";
constexpr std::uint64_t kHashSeed = 0x5eed'0f'5140a1ull;

std::string Dev(int d) {
  std::string out("dev");
  out.append(std::to_string(d));
  return out;
}

std::string LinkName(int a, int b) {
  std::string out("link ");
  out.append(Dev(std::min(a, b))).append("-").append(Dev(std::max(a, b)));
  return out;
}

const char* StepName(PullStep step) {
  switch (step) {
    case PullStep::kAfterWrite:
      return "after-write";
    case PullStep::kAfterSync:
      return "after-sync";
    case PullStep::kAfterRename:
      return "after-rename";
    case PullStep::kBeforeCommit:
      return "before-commit";
  }
  return "?";
}

}  // namespace

// One direction of a link. Send queues into the scheduler while the link
// is up; an engine that sends on a link it was told is down loses the
// message, as a closed socket would.
class SimCluster::SimLink final : public PeerLink {
 public:
  SimLink(Scheduler& scheduler, int from, int to, const bool& connected, bool block_deltas)
      : scheduler_(scheduler),
        from_(from),
        to_(to),
        connected_(connected),
        block_deltas_(block_deltas) {}
  void Send(EngineMessage message) override {
    if (connected_) scheduler_.Enqueue(from_, to_, std::move(message));
  }
  bool AcceptsBlockDeltas() const override { return block_deltas_; }

 private:
  Scheduler& scheduler_;
  int from_;
  int to_;
  const bool& connected_;
  bool block_deltas_;
};

SimCluster::SimCluster(int devices, Scheduler& scheduler, ClusterConfig config)
    : scheduler_(scheduler), config_(config), side_(devices, 0) {
  SHOAL_CHECK(devices >= 2, "SimCluster needs at least two devices");
  for (int d = 0; d < devices; ++d) {
    auto device = std::make_unique<Device>();
    device->number = d;
    DeviceId::Key key;
    key.fill(static_cast<std::uint8_t>(d + 1));
    device->id = DeviceId(key);
    device->db_path = dir_.File(Dev(d).append(".db"));
    devices_.push_back(std::move(device));
  }
  for (int a = 0; a < devices; ++a) {
    for (int b = a + 1; b < devices; ++b) {
      Link& link = links_[{a, b}];
      link.forward =
          std::make_unique<SimLink>(scheduler_, a, b, link.connected, config_.block_deltas);
      link.backward =
          std::make_unique<SimLink>(scheduler_, b, a, link.connected, config_.block_deltas);
    }
  }
}

SimCluster::~SimCluster() {
  for (auto& device : devices_) {
    StopEngine(*device);
    device->index.reset();
  }
}

Result<void> SimCluster::Start() {
  for (auto& device : devices_) {
    if (auto ok = CreateStore(*device); !ok) return ok.error().Wrap(Dev(device->number));
    if (auto ok = Open(*device); !ok) return ok.error().Wrap(Dev(device->number));
  }
  ReconcileAll();
  return {};
}

Result<void> SimCluster::CreateStore(Device& device) {
  auto index = Index::Open(device.db_path);
  if (!index) return index.error();
  for (auto& other : devices_) {
    DeviceRecord record;
    record.id = other->id;
    record.name = Dev(other->number);
    record.is_local = other.get() == &device;
    auto key = index->PutDevice(record);
    if (!key) return key.error();
    device.key_of.push_back(*key);
  }
  FolderRecord folder;
  folder.id = kFolderId;
  folder.path = "/sim/";
  folder.path.append(Dev(device.number));
  folder.label = kFolderId;
  folder.hash_seed = kHashSeed;
  folder.index_id = 0x1d00 + static_cast<std::uint64_t>(device.number) + 1;
  auto added = index->AddFolder(folder);
  if (!added) return added.error();
  for (auto& other : devices_) {
    if (other.get() == &device) continue;
    if (auto ok = index->ShareFolder(added->key, device.key_of[other->number]); !ok) return ok;
  }
  // The folder marker, as `folder add` writes it: every scan and pull
  // checks it (core/sync/folder_guard.h).
  if (auto ok = WriteFolderMarker(device.fs, kFolderId); !ok) return ok;
  device.folder_key = added->key;
  device.local_key = device.key_of[device.number];
  device.index_id = added->index_id;
  return {};
}

Result<void> SimCluster::Open(Device& device) {
  auto index = Index::Open(device.db_path);
  if (!index) return index.error();
  device.index = std::make_unique<Index>(std::move(*index));
  FolderEngineConfig config;
  config.folder_key = device.folder_key;
  config.folder_id = kFolderId;
  config.local_device_key = device.local_key;
  config.local_short_id = device.id.ShortId();
  config.hash_seed = kHashSeed;
  config.index_id = device.index_id;
  config.root_device = 1;   // MemoryFileSystem's
  config.hash_threads = 1;  // determinism
  config.max_requests_in_flight = config_.max_requests_in_flight;
  config.index_batch_bytes = config_.index_batch_bytes;
  config.pull.batch_files = config_.pull_batch_files;
  config.pull.syncs_per_pass = config_.syncs_per_pass;
  config.pull.group_syncs = config_.group_syncs;
  device.fs.SetSyncsFileSystem(config_.group_syncs);
  config.pull.plan_size = config_.plan_size;
  config.pull.need_journal_cap = config_.need_journal_cap;
  if (config_.block_deltas) config.min_delta_blocks = 1;
  Device* self = &device;
  config.pull.fault = [self](PullStep step) -> Result<void> {
    if (self->crash_at != step) return {};
    self->crash_now = true;
    return Fail(ErrorCode::kCancelled, "simulated crash");
  };
  device.engine = std::make_unique<FolderEngine>(device.fs, *device.index, scheduler_.clock(),
                                                 std::move(config));
  if (config_.queued_offload) device.engine->set_offload(&device.offload);
  device.problems_logged = 0;
  return {};
}

void SimCluster::StopEngine(Device& device) {
  device.offload.RunWorkOnly();
  device.engine.reset();
}

MemoryFileSystem& SimCluster::fs(int device) { return devices_.at(device)->fs; }

bool SimCluster::up(int device) const { return devices_.at(device)->engine != nullptr; }

std::vector<std::pair<int, int>> SimCluster::ConnectedLinks() const {
  std::vector<std::pair<int, int>> out;
  for (const auto& [pair, link] : links_) {
    if (link.connected) out.push_back(pair);
  }
  return out;
}

std::vector<std::pair<int, int>> SimCluster::DroppedLinks() const {
  std::vector<std::pair<int, int>> out;
  for (const auto& [pair, link] : links_) {
    if (link.dropped) out.push_back(pair);
  }
  return out;
}

SimCluster::Link& SimCluster::LinkOf(int a, int b) {
  return links_.at({std::min(a, b), std::max(a, b)});
}

void SimCluster::Reconcile(int a, int b) {
  Link& link = LinkOf(a, b);
  bool want = up(a) && up(b) && !link.dropped && side_[a] == side_[b];
  if (want == link.connected) return;
  link.connected = want;
  if (!want) {
    std::size_t lost = scheduler_.Discard(a, b);
    std::string line = LinkName(a, b);
    line.append(" down (").append(std::to_string(lost)).append(" in flight lost)");
    scheduler_.Log(line);
    for (auto [self, peer] : {std::pair{a, b}, std::pair{b, a}}) {
      Device& d = *devices_[self];
      if (d.engine) d.engine->PeerDisconnected(d.key_of[peer]);
    }
    return;
  }
  // Both ends learn of the connection, in a random order.
  bool a_first = scheduler_.Chance(0.5);
  std::string line = LinkName(a, b);
  line.append(" up, ").append(Dev(a_first ? a : b)).append(" first");
  scheduler_.Log(line);
  int first = a_first ? a : b;
  int second = a_first ? b : a;
  for (auto [self, peer] : {std::pair{first, second}, std::pair{second, first}}) {
    Device& d = *devices_[self];
    PeerLink& out = self < peer ? *link.forward : *link.backward;
    auto ok = d.engine->PeerConnected(d.key_of[peer], out);
    if (!ok) {
      std::string refused = Dev(self);
      refused.append(" refused connection: ").append(ok.error().ToString());
      scheduler_.Log(refused);
      link.dropped = true;
      Reconcile(a, b);
      return;
    }
  }
}

void SimCluster::ReconcileAll() {
  for (int a = 0; a < size(); ++a) {
    for (int b = a + 1; b < size(); ++b) Reconcile(a, b);
  }
}

bool SimCluster::Edit(int device) {
  std::string what = RandomEdit(fs(device), scheduler_);
  if (what.empty()) return false;
  std::string line = Dev(device);
  line.append(" ").append(what);
  scheduler_.Log(line);
  return true;
}

void SimCluster::LogProblems(Device& device) {
  const auto& problems = device.engine->problems();
  for (; device.problems_logged < problems.size(); ++device.problems_logged) {
    const EngineProblem& p = problems[device.problems_logged];
    std::string line = Dev(device.number);
    line.append(" problem: ").append(p.name).append(": ").append(p.message);
    scheduler_.Log(line);
  }
}

void SimCluster::CrashIfFaulted(int device) {
  if (devices_[device]->crash_now) Crash(device);
}

void SimCluster::Partition(const std::vector<int>& side) {
  std::fill(side_.begin(), side_.end(), 0);
  std::string line("partition {");
  for (int d : side) {
    side_.at(d) = 1;
    if (line.back() != '{') line.push_back(',');
    line.append(std::to_string(d));
  }
  line.append("}|{");
  bool any = false;
  for (int d = 0; d < size(); ++d) {
    if (side_[d] == 1) continue;
    if (any) line.push_back(',');
    line.append(std::to_string(d));
    any = true;
  }
  line.push_back('}');
  scheduler_.Log(line);
  partitioned_ = true;
  ReconcileAll();
}

void SimCluster::Heal() {
  scheduler_.Log("heal partition");
  std::fill(side_.begin(), side_.end(), 0);
  partitioned_ = false;
  ReconcileAll();
}

void SimCluster::DropLink(int a, int b) {
  std::string line("drop ");
  scheduler_.Log(line.append(LinkName(a, b)));
  LinkOf(a, b).dropped = true;
  Reconcile(a, b);
}

void SimCluster::ReconnectLink(int a, int b) {
  std::string line("reconnect ");
  scheduler_.Log(line.append(LinkName(a, b)));
  LinkOf(a, b).dropped = false;
  Reconcile(a, b);
}

void SimCluster::Crash(int device) {
  Device& d = *devices_.at(device);
  if (!d.engine) return;
  std::string line("crash ");
  line.append(Dev(device));
  if (d.crash_now) line.append(" (pull reached ").append(StepName(*d.crash_at)).append(")");
  scheduler_.Log(line);
  // The engine goes first, so only the surviving ends hear of the links
  // going down; then the index closes (committed rows stay in its file).
  StopEngine(d);
  for (int other = 0; other < size(); ++other) {
    if (other != device) Reconcile(device, other);
  }
  d.index.reset();
  d.crash_at.reset();
  d.crash_now = false;
}

void SimCluster::Restart(int device) {
  Device& d = *devices_.at(device);
  if (d.engine) return;
  std::string line("restart ");
  scheduler_.Log(line.append(Dev(device)));
  auto ok = Open(d);
  SHOAL_CHECK(ok.has_value(), "simulation: reopening a crashed device's index failed");
  for (int other = 0; other < size(); ++other) {
    if (other != device) Reconcile(device, other);
  }
}

void SimCluster::ArmCrash(int device, PullStep step) {
  std::string line("arm crash ");
  line.append(Dev(device)).append(" at pull step ").append(StepName(step));
  scheduler_.Log(line);
  devices_.at(device)->crash_at = step;
}

}  // namespace shoal::sim
