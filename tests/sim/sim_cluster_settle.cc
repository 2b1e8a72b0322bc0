// SimCluster's engine calls (scan, pull, deliver) and the settle phase
// that ends every run: heal, drive to rest, check the invariants.
#include "tests/sim/sim_cluster.h"

namespace shoal::sim {
namespace {

constexpr std::int64_t kRoundNs = 3'000'000'000;  // past the scanner's racy window
constexpr std::size_t kDeliverLimit = 200'000;    // per round

std::string Dev(int d) {
  std::string out("dev");
  out.append(std::to_string(d));
  return out;
}

void Count(std::string& line, const char* what, std::int64_t n) {
  if (n != 0) line.append(" ").append(what).append("=").append(std::to_string(n));
}

void Prefixed(std::vector<std::string>& out, const char* prefix,
              const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    std::string full(prefix);
    out.push_back(full.append(line));
  }
}

}  // namespace

bool SimCluster::Scan(int device) {
  Device& d = *devices_.at(device);
  if (!d.engine) return false;
  auto scanned = d.engine->Scan();
  std::string line = Dev(device);
  line.append(" scan");
  if (!scanned) {
    scheduler_.Log(line.append(" failed: ").append(scanned.error().ToString()));
    return false;
  }
  Count(line, "changed", scanned->changed);
  Count(line, "deleted", scanned->deleted);
  Count(line, "racy", static_cast<std::int64_t>(scanned->racy.size()));
  Count(line, "unstable", static_cast<std::int64_t>(scanned->unstable.size()));
  Count(line, "problems", static_cast<std::int64_t>(scanned->problems.size()));
  scheduler_.Log(line);
  LogProblems(d);
  CrashIfFaulted(device);
  return scanned->changed != 0 || scanned->deleted != 0;
}

bool SimCluster::Pull(int device) {
  Device& d = *devices_.at(device);
  if (!d.engine) return false;
  // What the offload ran since the last pass (fsyncs, reads for peers)
  // has finished by now.
  const std::size_t finished = d.offload.RunQueued();
  auto pass = d.engine->Pull();
  std::string line = Dev(device);
  line.append(" pull");
  Count(line, "offloaded_done", static_cast<std::int64_t>(finished));
  bool changed = false;
  if (!pass) {
    line.append(" failed: ").append(pass.error().ToString());
  } else {
    Count(line, "applied", pass->applied);
    Count(line, "conflicts", pass->conflicts);
    Count(line, "renamed", pass->renamed);
    Count(line, "local_blocks", pass->local_blocks);
    Count(line, "remote_blocks", pass->remote_blocks);
    Count(line, "waiting", pass->waiting);
    for (const std::string& name : pass->rescan) line.append(" rescan:").append(name);
    for (const std::string& failure : pass->failed)
      line.append(" failed:[").append(failure).append("]");
    changed = pass->applied != 0 || pass->conflicts != 0;
  }
  scheduler_.Log(line);
  LogProblems(d);
  CrashIfFaulted(device);
  return changed;
}

bool SimCluster::DeliverNext() {
  auto next = scheduler_.PopNextDue();
  if (!next) return false;
  std::string line("deliver ");
  line.append(Dev(next->from)).append("->").append(Dev(next->to)).append(" ");
  line.append(Describe(next->message));
  Device& to = *devices_[next->to];
  if (!to.engine || !LinkOf(next->from, next->to).connected) {
    scheduler_.Log(line.append(" (link down: lost)"));  // Discard should have removed it
    return true;
  }
  scheduler_.Log(line);
  auto received = to.engine->Receive(to.key_of[next->from], next->message);
  LogProblems(to);
  if (!received) {
    std::string refused = Dev(next->to);
    refused.append(" refused message: ").append(received.error().ToString());
    scheduler_.Log(refused);
    DropLink(next->from, next->to);
  }
  CrashIfFaulted(next->to);
  return true;
}

std::size_t SimCluster::DeliverAll(std::size_t limit) {
  std::size_t delivered = 0;
  while (delivered < limit && DeliverNext()) ++delivered;
  return delivered;
}

Result<std::vector<Tree>> SimCluster::Trees() {
  std::vector<Tree> trees;
  for (auto& device : devices_) {
    auto tree = ReadTree(device->fs, true);
    if (!tree) return tree.error().Wrap(Dev(device->number));
    trees.push_back(std::move(*tree));
  }
  return trees;
}

Result<std::vector<Tree>> SimCluster::VersionTrees() {
  std::vector<Tree> trees;
  for (auto& device : devices_) {
    auto tree = ReadVersions(device->fs);
    if (!tree) return tree.error().Wrap(Dev(device->number));
    trees.push_back(std::move(*tree));
  }
  return trees;
}

Result<std::vector<IndexState>> SimCluster::IndexStates() {
  std::vector<IndexState> states;
  for (auto& device : devices_) {
    if (!device->index)
      return Fail(ErrorCode::kInvalidArgument, Dev(device->number).append(" is down"));
    auto state = ReadIndexState(*device->index, device->folder_key, device->local_key);
    if (!state) return state.error().Wrap(Dev(device->number));
    states.push_back(std::move(*state));
  }
  return states;
}

std::string SimCluster::DiagnoseBusy() {
  std::string out;
  for (auto& device : devices_) {
    for (const PullFailure& f : device->engine->PullFailures()) {
      out.append(" ").append(Dev(device->number)).append(" failing (");
      out.append(f.name).append(": ").append(f.reason).append(")");
    }
    if (device->engine->Idle()) continue;
    out.append(" ").append(Dev(device->number)).append(" busy (need ");
    out.append(std::to_string(device->engine->NeedCount())).append(")");
  }
  if (scheduler_.InFlightCount() != 0) {
    out.append(" ").append(std::to_string(scheduler_.InFlightCount())).append(" in flight");
  }
  return out;
}

std::vector<std::string> SimCluster::SettleAndCheck(int max_rounds) {
  std::vector<std::string> failures;
  scheduler_.Log("settle: heal, restart, reconnect everything");
  for (auto& device : devices_) device->crash_at.reset();
  for (int d = 0; d < size(); ++d) Restart(d);
  for (auto& [pair, link] : links_) link.dropped = false;
  Heal();
  for (int d = 0; d < size(); ++d) Scan(d);
  auto heal_trees = Trees();
  auto heal_indexes = IndexStates();
  if (!heal_trees || !heal_indexes) {
    failures.push_back("harness: cannot read the heal-time state");
    return failures;
  }
  std::vector<KeptContent> kept = ContentsToKeep(*heal_trees, *heal_indexes);
  bool quiet = false;
  int round = 0;
  for (; round < max_rounds && !quiet; ++round) {
    scheduler_.clock().Advance(kRoundNs);
    std::string line("settle round ");
    scheduler_.Log(line.append(std::to_string(round)));
    bool changed = false;
    for (int d = 0; d < size(); ++d) changed |= Scan(d);
    changed |= DeliverAll(kDeliverLimit) != 0;
    for (int d = 0; d < size(); ++d) changed |= Pull(d);
    // A refused message dropped its link: reconnect it for the next round.
    for (auto [a, b] : DroppedLinks()) {
      ReconnectLink(a, b);
      changed = true;
    }
    for (int d = 0; d < size(); ++d) Restart(d);  // a late armed fault may have crashed one
    quiet = !changed && scheduler_.InFlightCount() == 0 && DiagnoseBusy().empty();
    // Names that failed wait out their backoff: let that time pass.
    if (!quiet && !changed) {
      std::optional<std::int64_t> next;
      for (auto& device : devices_) {
        auto due = device->engine ? device->engine->NextRetryNanos() : std::nullopt;
        if (due && (!next || *due < *next)) next = due;
      }
      if (next && *next > scheduler_.clock().NowUnixNanos()) scheduler_.clock().AdvanceTo(*next);
    }
  }
  if (!quiet) {
    std::string line("(4) termination: not at rest after ");
    line.append(std::to_string(max_rounds)).append(" settle rounds:").append(DiagnoseBusy());
    failures.push_back(line);
  }
  auto trees = Trees();
  auto versions = VersionTrees();
  auto indexes = IndexStates();
  if (!trees || !versions || !indexes) {
    failures.push_back("harness: cannot read the final state");
    return failures;
  }
  Prefixed(failures, "(1) convergence: ", CheckConvergence(*trees, *indexes));
  Prefixed(failures, "(2) no data loss: ", CheckNoDataLoss(kept, *trees));
  Prefixed(failures, "(3) no temp files: ", CheckNoTempFiles(*trees));
  Prefixed(failures, "(6) nothing dropped: ", CheckNothingDropped(*heal_trees, *trees, *versions));
  std::vector<Tree> end = *trees;  // kept versions are part of the end state too
  for (std::size_t d = 0; d < end.size(); ++d)
    end[d].insert((*versions)[d].begin(), (*versions)[d].end());
  state_hash_ = StateHash(end, *indexes);
  std::string done("settled after ");
  scheduler_.Log(done.append(std::to_string(round)).append(" rounds"));
  return failures;
}

}  // namespace shoal::sim
