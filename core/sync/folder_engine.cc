#include "core/sync/folder_engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/base/log.h"
#include "core/chunk/block_list_rules.h"
#include "core/hash/block_hash.h"
#include "core/scan/ignore_file.h"
#include "core/sync/index_batcher.h"
#include "core/version/name_check.h"

namespace shoal {
namespace {

// What a peer may claim about a file before we store it.
Result<void> CheckRemoteEntry(const FileInfo& f) {
  if (auto ok = CheckRemoteName(f.name); !ok) return ok;
  if (f.size < 0 || f.sequence <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "'" + f.name + "': negative size or bad sequence");
  }
  // Whatever we accept we can announce again: our own index messages
  // carry it whole (IndexBatcher sends no entry over this bound).
  if (IndexEntrySizeBound(f) > kMaxIndexEntryBytes) {
    return Fail(ErrorCode::kInvalidArgument, "'" + f.name + "': an entry of " +
                                                 std::to_string(f.blocks.size()) + " blocks and " +
                                                 std::to_string(f.version.entries().size()) +
                                                 " version entries, more than an entry may carry");
  }
  // Blocks as our chunker cuts them, never a million 1-byte ones.
  if (!f.deleted && f.type == FileType::kFile) {
    if (auto ok = CheckBlockList(f.blocks, f.size); !ok) return ok.error().Wrap("'" + f.name + "'");
  }
  if (f.version.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "'" + f.name + "': empty version vector");
  }
  if (auto ok = f.version.CheckBounds(); !ok) return ok.error().Wrap("'" + f.name + "'");
  if (!f.deleted && f.type == FileType::kSymlink) {
    if (auto ok = CheckSymlinkTarget(f.name, f.symlink_target); !ok) return ok;
  }
  // A .shoalignore that is a link or a directory would stop every scan.
  if (!f.deleted && f.name == kIgnoreFileName && f.type != FileType::kFile) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + f.name + "' refused: must be a regular file, not a link or directory");
  }
  return {};
}

// Our own counters are max(old + 1, now), or up to kMaxBumpLeadSeconds
// ahead to rise above another device's (VersionVector::Bump): one far ahead
// of the clock that our own entry for the name does not hold either was
// never issued here. A day of slack covers that lead, clock steps and
// bursts of edits within a second.
constexpr std::uint64_t kOwnCounterSlackSeconds = 24 * 3600;
static_assert(kOwnCounterSlackSeconds > 2 * kMaxBumpLeadSeconds);

// Refusals logged: a few lines per batch, and per device at most
// kRefusalLogLines a minute however many batches it sends.
constexpr std::size_t kLoggedRefusalsPerBatch = 3;
constexpr std::size_t kRefusalLogLines = 20;
constexpr std::int64_t kRefusalLogWindowNs = 60'000'000'000;

const std::string* FolderOf(const FolderHello& m) { return &m.folder; }
const std::string* FolderOf(const IndexBatch& m) { return &m.folder; }
const std::string* FolderOf(const BlockRequest& m) { return &m.folder; }
const std::string* FolderOf(const BlockResponse&) { return nullptr; }  // matched by request ID

}  // namespace

// Asks connected peers for blocks: among the devices that announced exactly
// the wanted version, the one with the fewest requests outstanding.
class FolderEngine::PeerBlockSource final : public BlockSource {
 public:
  explicit PeerBlockSource(FolderEngine& engine) : engine_(engine) {}

  bool Fetch(const BlockWant& want, std::function<void(Result<Bytes>)> done) override {
    if (in_flight_.size() >= engine_.config_.max_requests_in_flight) return false;
    auto holders =
        engine_.index_.DevicesWithVersion(engine_.config_.folder_key, want.name, want.version);
    if (!holders) return false;
    Peer* best = nullptr;
    DeviceKey best_key;
    for (DeviceKey key : *holders) {
      auto it = engine_.peers_.find(key);
      if (it == engine_.peers_.end()) continue;
      if (best == nullptr || it->second.outstanding < best->outstanding) {
        best = &it->second;
        best_key = key;
      }
    }
    if (best == nullptr) return false;
    std::uint32_t id = next_id_++;
    in_flight_[id] = InFlight{best_key, std::move(done)};
    best->outstanding++;
    best->link->Send(BlockRequest{id, engine_.config_.folder_id, want.name, want.offset,
                                  want.block.size, want.block.hash});
    return true;
  }

  Result<void> OnResponse(DeviceKey device_key, const BlockResponse& response) {
    auto it = in_flight_.find(response.id);
    if (it == in_flight_.end() || it->second.device_key != device_key) {
      return Fail(ErrorCode::kProtocol,
                  "response to unknown request " + std::to_string(response.id));
    }
    InFlight request = std::move(it->second);
    in_flight_.erase(it);
    Release(device_key);
    if (response.status != BlockStatus::kOk) {
      request.done(Fail(ErrorCode::kNotFound, "peer could not serve the block"));
    } else {
      request.done(response.data);
    }
    return {};
  }

  // Fails every request sent to `device_key` (it disconnected).
  void Cancel(DeviceKey device_key) {
    std::vector<std::function<void(Result<Bytes>)>> cancelled;
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (it->second.device_key == device_key) {
        cancelled.push_back(std::move(it->second.done));
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& done : cancelled) done(Fail(ErrorCode::kCancelled, "peer disconnected"));
  }

  bool Empty() const { return in_flight_.empty(); }

 private:
  struct InFlight {
    DeviceKey device_key;
    std::function<void(Result<Bytes>)> done;
  };
  void Release(DeviceKey device_key) {
    auto it = engine_.peers_.find(device_key);
    if (it != engine_.peers_.end() && it->second.outstanding > 0) it->second.outstanding--;
  }

  FolderEngine& engine_;
  std::map<std::uint32_t, InFlight> in_flight_;
  std::uint32_t next_id_ = 1;
};

FolderEngine::FolderEngine(FileSystem& fs, Index& index, Clock& clock, FolderEngineConfig config)
    : fs_(fs),
      index_(index),
      clock_(clock),
      config_(std::move(config)),
      guard_(fs_, index_,
             FolderGuardConfig{config_.folder_key, config_.folder_id, config_.root_device,
                               config_.mass_delete_min_files}),
      case_guard_(fs_, index_, config_.folder_key, config_.folder_id, config_.folds_case) {
  source_ = std::make_unique<PeerBlockSource>(*this);
  puller_ = std::make_unique<Puller>(
      fs_, index_, clock_, *source_,
      PullContext{config_.folder_key, config_.local_device_key, config_.local_short_id,
                  config_.hash_seed, &ignore_rules_},
      config_.pull);
}

void FolderEngine::set_offload(Offload* offload, std::function<void()> wake) {
  offload_ = offload;
  puller_->SetSyncOffload(offload, std::move(wake));
}

FolderEngine::~FolderEngine() {
  *alive_ = false;
  // Blocks being read for peers read through fs_, which goes after us.
  std::unique_lock<std::mutex> lock(serving_->mutex);
  serving_->idle.wait(lock, [&] { return serving_->running == 0; });
  lock.unlock();
  puller_.reset();  // before the source, whose callbacks it registered
}

Result<void> FolderEngine::PeerConnected(DeviceKey device_key, PeerLink& link) {
  auto state = index_.GetPeerIndexState(config_.folder_key, device_key);
  if (!state) return state.error();
  Peer& peer = peers_[device_key] = Peer{};
  peer.link = &link;
  peer.connection = ++connections_;
  FolderHello hello{config_.folder_id, config_.index_id, 0, 0};
  if (*state) {
    hello.your_index_id = (*state)->index_id;
    hello.your_max_sequence = (*state)->max_sequence;
  }
  link.Send(std::move(hello));
  return {};
}

void FolderEngine::PeerDisconnected(DeviceKey device_key) {
  if (peers_.erase(device_key) == 0) return;
  source_->Cancel(device_key);
}

Result<void> FolderEngine::Receive(DeviceKey device_key, const EngineMessage& message) {
  if (peers_.count(device_key) == 0) {
    return Fail(ErrorCode::kUnauthorized, "message from a device that is not connected");
  }
  return std::visit(
      [&](const auto& m) -> Result<void> {
        using T = std::decay_t<decltype(m)>;
        const std::string* folder = FolderOf(m);
        if (folder != nullptr && *folder != config_.folder_id) {
          return Fail(ErrorCode::kProtocol, "message for another folder");
        }
        if constexpr (std::is_same_v<T, FolderHello>) return OnHello(device_key, m);
        if constexpr (std::is_same_v<T, IndexBatch>) return OnIndex(device_key, m);
        if constexpr (std::is_same_v<T, BlockRequest>) return OnRequest(device_key, m);
        if constexpr (std::is_same_v<T, BlockResponse>) return OnResponse(device_key, m);
      },
      message);
}

Result<void> FolderEngine::OnHello(DeviceKey device_key, const FolderHello& hello) {
  new_source_ = true;  // files waiting for a holder may find one now
  Peer& peer = peers_[device_key];
  peer.full = hello.your_index_id != config_.index_id;
  peer.live = false;  // whole lists until the catch-up below is done
  peer.sent_sequence = peer.full ? 0 : std::max<std::int64_t>(hello.your_max_sequence, 0);
  return AnnounceTo(device_key, peer);
}

Result<void> FolderEngine::OnIndex(DeviceKey device_key, const IndexBatch& batch) {
  auto state = index_.GetPeerIndexState(config_.folder_key, device_key);
  if (!state) return state.error();
  PeerIndexState next{batch.index_id, 0};
  bool same_index = *state && (*state)->index_id == batch.index_id;
  if (same_index) next.max_sequence = (*state)->max_sequence;
  if (batch.full || !same_index) {
    // A new incarnation of the peer's index: forget what we held of the old.
    if (auto ok = index_.DeleteAllFiles(config_.folder_key, device_key); !ok) return ok;
    next.max_sequence = 0;
  }
  std::vector<FileInfo> accepted;
  accepted.reserve(batch.files.size());
  std::optional<Error> base_gone;
  std::size_t refused = 0;
  case_guard_.BeginBatch(batch.files);
  for (const FileInfo& received : batch.files) {
    FileInfo f = received;
    auto ok = ResolveDelta(device_key, f);
    if (!ok && ok.error().code == ErrorCode::kNotFound) {
      // Keep what came before it; the rest comes again, whole, on the next
      // connection (Peer::live), from the max sequence kept below.
      base_gone = ok.error();
      break;
    }
    if (ok) ok = CheckRemoteEntry(f);
    if (ok) ok = CheckOwnCounter(f);
    if (ok) ok = case_guard_.Check(f);
    if (!ok) {
      if (ok.error().code != ErrorCode::kInvalidArgument) return ok;  // the store failed
      // A few lines per batch, however many it refuses: a peer must not be
      // able to fill the disk with our log.
      if (refused++ < kLoggedRefusalsPerBatch) {
        LogRefusal(device_key, "refused an entry from device " + std::to_string(device_key.value) +
                                   ": " + ok.error().message);
      }
      if (problems_.size() == kMaxProblems) problems_.pop_front();
      problems_.push_back({device_key, f.name, ok.error().message});
      continue;
    }
    f.inode = 0;
    f.permissions &= kSyncedPermissionBits;  // setuid and friends never apply
    // Only files have blocks: any others mean nothing and are dropped.
    if (f.deleted || f.type != FileType::kFile) f.blocks.clear();
    next.max_sequence = std::max(next.max_sequence, f.sequence);
    case_guard_.Accepted(f);
    accepted.push_back(std::move(f));
  }
  if (refused > kLoggedRefusalsPerBatch) {
    LogRefusal(device_key, "refused " + std::to_string(refused) + " entries from device " +
                               std::to_string(device_key.value) + " in one batch");
  }
  {
    // Lost to a power loss, the entries go with the stored sequence that
    // follows them in the log, and the peer is asked for them again.
    DeferredSync deferred(index_.db());
    if (auto ok = index_.PutFiles(config_.folder_key, device_key, accepted); !ok) {
      return ok.error().Wrap("index from peer");
    }
    if (auto ok = index_.SetPeerIndexState(config_.folder_key, device_key, next); !ok) return ok;
  }
  if (base_gone) return Fail(ErrorCode::kProtocol, base_gone->message);
  return {};
}

void FolderEngine::LogRefusal(DeviceKey device_key, const std::string& text) {
  auto [budget, added] =
      refusal_log_.try_emplace(device_key, kRefusalLogLines, kRefusalLogWindowNs);
  (void)added;
  std::uint64_t held_back = 0;
  if (!budget->second.Take(clock_.NowUnixNanos(), held_back)) return;
  SHOAL_LOG(kWarning) << "folder " << config_.folder_id << ": " << text
                      << (held_back == 0 ? std::string()
                                         : " (" + std::to_string(held_back) +
                                               " more such lines about this device not logged)");
}

Result<void> FolderEngine::ResolveDelta(DeviceKey device_key, FileInfo& f) {
  if (!f.blocks_delta) return {};
  const BlockListDelta delta = *std::exchange(f.blocks_delta, std::nullopt);
  // The base is any list of that name with that version that the sender
  // knows we hold: our own entry, the sender's previous one, or what we sent.
  const std::string& name = delta.base_name.empty() ? f.name : delta.base_name;
  std::vector<BlockRef> base;
  bool found = false;
  for (DeviceKey owner : {config_.local_device_key, device_key}) {
    auto held = index_.GetFile(config_.folder_key, owner, name);
    if (!held) return held.error();
    if (*held && !(*held)->deleted && (*held)->version == delta.base) {
      base = std::move((*held)->blocks);
      found = true;
      break;
    }
  }
  if (!found) {
    const SentBlockLists::Entry* sent = peers_[device_key].sent.Find(name);
    if (sent == nullptr || sent->version != delta.base) {
      return Fail(ErrorCode::kNotFound, "'" + f.name +
                                            "': the base of its block-list delta is no longer "
                                            "here; the entry comes whole after reconnecting");
    }
    base = sent->blocks;
  }
  auto blocks = ApplyBlockListDelta(base, delta, f.blocks);
  if (!blocks) return blocks.error().Wrap("'" + f.name + "'");
  f.blocks = std::move(*blocks);
  return {};
}

void FolderEngine::ShrinkToDelta(DeviceKey device_key, Peer& peer, FileInfo& f) {
  if (f.type != FileType::kFile || f.deleted || f.blocks.size() < config_.min_delta_blocks) return;
  std::optional<BlockListChange> best;
  auto consider = [&](const std::string& name, const VersionVector& version,
                      const std::vector<BlockRef>& blocks) {
    auto change = DiffBlockLists(version, blocks, f.blocks, config_.min_delta_blocks);
    if (!change || (best && change->middle.size() >= best->middle.size())) return;
    if (name != f.name) change->delta.base_name = name;
    best = std::move(change);
  };
  if (peer.live && peer.link->AcceptsBlockDeltas()) {
    if (const SentBlockLists::Entry* sent = peer.sent.Find(f.name)) {
      consider(f.name, sent->version, sent->blocks);
    }
    // The peer's own entry, as it last told us (a store error just means
    // no delta from it).
    auto held = index_.GetFile(config_.folder_key, device_key, f.name);
    if (held && *held && !(*held)->deleted) consider(f.name, (*held)->version, (*held)->blocks);
    // A rename: the peer's entry of a large file a scan just removed here,
    // of the same size (a cheap filter before comparing lists).
    if (!best || !best->middle.empty()) {
      for (auto it = recently_removed_.rbegin(); it != recently_removed_.rend(); ++it) {
        if (*it == f.name) continue;
        auto old = index_.GetFile(config_.folder_key, device_key, *it);
        if (!old || !*old || (*old)->deleted || (*old)->size != f.size) continue;
        consider(*it, (*old)->version, (*old)->blocks);
        if (best && best->middle.empty()) break;
      }
    }
  }
  peer.sent.Remember(f.name, f.version, f.blocks);
  if (!best) return;
  f.blocks = std::move(best->middle);
  f.blocks_delta = std::move(best->delta);
}

Result<void> FolderEngine::CheckOwnCounter(const FileInfo& f) {
  const std::uint64_t claimed = f.version.Get(config_.local_short_id);
  const std::uint64_t now =
      static_cast<std::uint64_t>(std::max<std::int64_t>(clock_.NowUnixSeconds(), 0));
  if (claimed <= now + kOwnCounterSlackSeconds) return {};
  auto local = index_.GetFile(config_.folder_key, config_.local_device_key, f.name);
  if (!local) return local.error();
  if (*local && (*local)->version.Get(config_.local_short_id) >= claimed) return {};
  return Fail(ErrorCode::kInvalidArgument, "'" + f.name + "': a version counter for this device (" +
                                               std::to_string(claimed) +
                                               ") above anything it issued");
}

Result<void> FolderEngine::OnResponse(DeviceKey device_key, const BlockResponse& response) {
  return source_->OnResponse(device_key, response);
}

Result<void> FolderEngine::Announce() {
  for (auto& [key, peer] : peers_) {
    if (auto ok = AnnounceTo(key, peer); !ok) return ok;
  }
  return {};
}

Result<void> FolderEngine::AnnounceTo(DeviceKey device_key, Peer& peer) {
  if (peer.sent_sequence < 0) return {};  // its FolderHello has not come yet
  // A held folder's index may describe a disk that is not there; CheckRoot
  // announces once the hold lifts.
  if (guard_.hold() != FolderHold::kNone) return {};
  // A peer told of a sequence must never be told of another entry under it:
  // the scan's commits did not wait for the disk, so they go there first.
  if (auto ok = index_.db().SyncDeferred(); !ok) return ok.error().Wrap("announce");
  // Batches are cut by encoded size, well under the message cap, and stop
  // while the link is congested: PeerWritable resumes from sent_sequence.
  IndexBatcher batcher(config_.index_batch_bytes);
  std::int64_t visited = peer.sent_sequence;
  auto flush = [&]() {
    peer.sent_sequence = visited;  // every entry visited is now sent or skipped
    if (batcher.empty() && !peer.full) return;
    peer.link->Send(IndexBatch{config_.folder_id, config_.index_id, peer.full, batcher.Take()});
    peer.full = false;
  };
  bool stopped = false;
  auto ok = index_.ForEachSince(
      config_.folder_key, config_.local_device_key, peer.sent_sequence, [&](FileInfo&& f) {
        if (batcher.StartsNewBatch(f)) {
          flush();
          if (!peer.link->Writable()) {
            stopped = true;
            return false;
          }
        }
        visited = f.sequence;
        if (IndexEntrySizeBound(f) > kMaxIndexEntryBytes) {
          // No message could carry it; every other entry still goes.
          SHOAL_LOG(kWarning) << "folder " << config_.folder_id << ": not announcing '" << f.name
                              << "' to device " << device_key << ": its entry of "
                              << f.blocks.size() << " blocks is over the limit";
          return true;
        }
        f.inode = 0;  // local-only
        ShrinkToDelta(device_key, peer, f);
        batcher.Add(std::move(f));
        return true;
      });
  if (!ok) return ok;
  flush();
  if (!stopped) peer.live = true;
  return {};
}

Result<void> FolderEngine::PeerWritable(DeviceKey device_key) {
  auto it = peers_.find(device_key);
  if (it == peers_.end()) return {};
  return AnnounceTo(device_key, it->second);
}

Result<ScanResult> FolderEngine::Scan() {
  const std::string root;
  return ScanPaths(std::span<const std::string>(&root, 1));
}

Result<ScanResult> FolderEngine::ScanPaths(std::span<const std::string> paths) {
  auto plan = PlanChecked(paths);
  if (!plan) return plan.error();
  plan->Hash(nullptr);
  return FinishScan(std::move(*plan));
}

Result<ScanPlan> FolderEngine::PlanScan(std::span<const std::string> paths) {
  if (paths.empty()) {
    const std::string root;
    return PlanChecked(std::span<const std::string>(&root, 1));
  }
  return PlanChecked(paths);
}

Result<ScanPlan> FolderEngine::PlanChecked(std::span<const std::string> paths) {
  auto scanner = PrepareScan(index_);
  if (!scanner) return scanner.error();
  auto plan = scanner->Plan(paths);
  if (!plan) return plan;
  if (auto ok = CheckPlan(*plan); !ok) return ok.error();
  return plan;
}

Result<Scanner> FolderEngine::PrepareScan(Index& reader, const std::atomic<bool>* cancel) {
  if (auto ok = CheckRoot(); !ok) return ok.error();
  return MakeScanner(reader, cancel);
}

Result<void> FolderEngine::CheckPlan(const ScanPlan& plan, std::optional<std::int64_t> live_files) {
  if (!live_files) {
    auto live = index_.CountLive(config_.folder_key, config_.local_device_key);
    if (!live) return live.error();
    live_files = live->files;
  }
  return guard_.CheckDeletes(plan.files_to_delete(), *live_files);
}

Result<std::optional<ScanResult>> FolderEngine::CommitScanStep(ScanPlan& plan,
                                                               std::size_t max_entries) {
  return MakeScanner().FinishStep(plan, max_entries);
}

Result<ScanResult> FolderEngine::EndStreamedScan(ScanResult scanned) {
  return AfterScan(std::move(scanned));
}

Result<void> FolderEngine::CheckRoot() {
  const bool was_held = guard_.hold() != FolderHold::kNone;
  if (auto ok = guard_.Check(); !ok) return ok;
  return was_held ? Announce() : Result<void>();
}

Result<void> FolderEngine::Resume() {
  if (auto ok = guard_.Resume(); !ok) return ok;
  return Announce();
}

Result<ScanResult> FolderEngine::FinishScan(ScanPlan plan) {
  return AfterScan(MakeScanner().Finish(std::move(plan)));
}

Result<std::optional<ScanResult>> FolderEngine::FinishScanStep(ScanPlan& plan) {
  auto step = CommitScanStep(plan, /*max_entries=*/0);
  if (!step) return step.error();
  if (!*step) return std::optional<ScanResult>();
  auto announced = AfterScan(std::move(**step));
  if (!announced) return announced.error();
  return std::optional<ScanResult>(std::move(*announced));
}

Scanner FolderEngine::MakeScanner(Index& index, const std::atomic<bool>* cancel) {
  ScanConfig scan;
  scan.folder_key = config_.folder_key;
  scan.local_device_key = config_.local_device_key;
  scan.local_short_id = config_.local_short_id;
  scan.hash_seed = config_.hash_seed;
  scan.hash_threads = config_.hash_threads;
  scan.ignore_rules = &ignore_rules_;
  scan.held_dirs = puller_->HeldDirectories();
  scan.cancel = cancel;
  return Scanner(fs_, index, clock_, scan);
}

Result<ScanResult> FolderEngine::AfterScan(Result<ScanResult> scanned) {
  if (!scanned) return scanned;
  puller_->NoteTempDirs(scanned->temp_dirs, scanned->walked_all);
  for (const std::string& name : scanned->removed_files) {
    recently_removed_.push_back(name);
    if (recently_removed_.size() > kRemovedFilesReported) recently_removed_.pop_front();
  }
  if (scanned->changed > 0 || scanned->deleted > 0) {
    if (auto ok = Announce(); !ok) return ok.error();
  }
  return scanned;
}

Result<PullPass> FolderEngine::Pull() {
  if (auto ok = CheckRoot(); !ok) return ok.error();
  if (!rescan_.empty()) {
    std::vector<std::string> paths(rescan_.begin(), rescan_.end());
    rescan_.clear();
    if (auto ok = ScanPaths(paths); !ok) return ok.error();
  }
  pass_need_generation_ = index_.NeedGeneration(config_.folder_key);
  new_source_ = false;
  auto pass = puller_->Run();
  const std::int64_t now = clock_.NowUnixNanos();
  for (Puller::Written& w : puller_->TakeWritten()) {
    if (!w.placed) {  // not statted right after a rename: stat it now
      auto st = fs_.Lstat(w.name);
      if (st) {
        w.placed = *st;
      } else if (st.error().code != ErrorCode::kNotFound) {
        continue;  // unknown: not recorded
      }
    }
    own_writes_.Record(w.name, w.placed, now);
  }
  if (!pass) return pass;
  rescan_.insert(pass->rescan.begin(), pass->rescan.end());
  if (pass->applied > 0) {
    if (auto ok = Announce(); !ok) return ok.error();
  }
  return pass;
}

std::int64_t FolderEngine::NeedCount() {
  auto n = index_.CountNeeded(config_.folder_key);
  return n ? n->names : -1;
}

NeedTotals FolderEngine::Need() {
  auto n = index_.CountNeeded(config_.folder_key);
  return n ? *n : NeedTotals{-1, -1};
}

bool FolderEngine::IsOwnWrite(const std::string& name) {
  auto st = fs_.Lstat(name);
  std::optional<FileStat> state;
  if (st) {
    state = *st;
  } else if (st.error().code != ErrorCode::kNotFound) {
    return false;
  }
  return own_writes_.Matches(name, state, clock_.NowUnixNanos());
}

std::optional<std::int64_t> FolderEngine::ExpireOwnWrites() {
  own_writes_.Expire(clock_.NowUnixNanos());
  return own_writes_.NextExpiryNanos();
}

bool FolderEngine::PullWanted() const {
  return new_source_ || !rescan_.empty() || puller_->Busy() || !source_->Empty() ||
         index_.NeedGeneration(config_.folder_key) != pass_need_generation_;
}

bool FolderEngine::Idle() {
  if (!rescan_.empty() || puller_->Busy() || !source_->Empty()) return false;
  auto applicable = puller_->HasApplicable();
  return applicable && !*applicable;
}

}  // namespace shoal
