// FolderEngine: one shared folder on one device, with no sockets and no
// threads of its own (DESIGN.md "Layers"). It owns the conversation with
// peers about this folder (FolderHello, IndexBatch, BlockRequest/Response
// through PeerLink), keeps the store's view of their indexes current, scans
// the disk through the Scanner, and applies what the local device needs
// through the Puller. The daemon calls it from its event loop; the cluster
// simulation (tests/sim) calls it from a seeded scheduler.
//
// Driving it: PeerConnected/PeerDisconnected as links come and go, Receive
// for each message in the order it arrived, Scan after local changes, and
// Pull whenever there may be work (after a Receive, a Scan, or a timer).
// Every call does a bounded amount of work and returns.
//
// Safety (core/sync/folder_guard.h): every scan and pull first re-opens the
// root and checks the folder marker and the root's device; a scan that
// would delete most of the folder waits for Resume. While the folder is
// held nothing is scanned, pulled or announced; hold() says why.
//
// Thread: one thread at a time (the daemon's loop thread). The ScanPlan that
// PlanScan returns may be hashed on another thread (it touches only the plan
// and the FileSystem) while peer calls here go on, and so may the Plan of
// the Scanner that PrepareScan returns; until it is planned and hashed, no
// Pull, Scan, ScanPaths, PlanScan, PrepareScan or Resume, which re-open the
// folder root (FileSystem::ReopenRoot must not run under a read).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log_budget.h"
#include "core/base/offload.h"
#include "core/fs/file_system.h"
#include "core/pull/puller.h"
#include "core/scan/scanner.h"
#include "core/store/index.h"
#include "core/sync/case_guard.h"
#include "core/sync/engine_messages.h"
#include "core/sync/folder_guard.h"
#include "core/sync/folder_peer.h"
#include "core/sync/own_writes.h"
#include "core/sync/sent_block_lists.h"

namespace shoal {

struct FolderEngineConfig {
  FolderKey folder_key;
  std::string folder_id;
  DeviceKey local_device_key;
  std::uint64_t local_short_id = 0;
  std::uint64_t hash_seed = 0;
  std::uint64_t index_id = 0;
  int hash_threads = 1;
  std::size_t max_requests_in_flight = 64;
  // An IndexBatch holds entries up to this many encoded bytes (an entry
  // larger than that goes alone), far below the 16 MiB message cap.
  std::size_t index_batch_bytes = std::size_t{1} << 20;
  // Block lists this long or longer may travel as deltas (the simulation
  // lowers it so that its small files exercise them).
  std::size_t min_delta_blocks = kMinDeltaBlocks;
  // The folder's root device from the store (FolderRecord::root_device).
  std::uint64_t root_device = 0;
  std::int64_t mass_delete_min_files = 100;  // FolderGuardConfig; 0 = no brake
  // Whether the folder's file system folds case (core/sync/case_guard.h):
  // nullopt probes the disk on the first index from a peer; tests tell.
  std::optional<bool> folds_case;
  PullerConfig pull;
};

// Something a peer sent that was refused, for status and logs; the rest of
// its message still applied.
struct EngineProblem {
  DeviceKey device_key;
  std::string name;
  std::string message;
};

class FolderEngine final : public FolderPeer {
 public:
  FolderEngine(FileSystem& fs, Index& index, Clock& clock, FolderEngineConfig config);
  ~FolderEngine();
  FolderEngine(const FolderEngine&) = delete;
  FolderEngine& operator=(const FolderEngine&) = delete;

  // A connection to a device this folder is shared with is up: sends it a
  // FolderHello. `link` must stay valid until PeerDisconnected.
  Result<void> PeerConnected(DeviceKey device_key, PeerLink& link) override;
  // The connection is gone: its outstanding block requests fail (the
  // puller keeps partial files for later), nothing more is sent to it.
  void PeerDisconnected(DeviceKey device_key) override;
  // The link to the device drained (PeerLink::Writable is true again):
  // announces what was held back while it was congested.
  Result<void> PeerWritable(DeviceKey device_key) override;
  // One message from a connected peer. A malformed or hostile message is
  // refused with an error (the caller closes that connection); refused
  // names inside an otherwise good IndexBatch are reported in problems().
  Result<void> Receive(DeviceKey device_key, const EngineMessage& message) override;

  // Rescans the whole folder (or just `paths`) and announces local changes.
  Result<ScanResult> Scan();
  Result<ScanResult> ScanPaths(std::span<const std::string> paths);
  // The same in steps (core/scan/scanner.h): plan (all of the folder when
  // `paths` is empty), hash the plan on any thread, finish. No Pull may run
  // between PlanScan and FinishScan.
  Result<ScanPlan> PlanScan(std::span<const std::string> paths);
  Result<ScanResult> FinishScan(ScanPlan plan);
  // FinishScan one index transaction at a time (Scanner::FinishStep); the
  // last step announces and returns the result.
  Result<std::optional<ScanResult>> FinishScanStep(ScanPlan& plan);
  // A scan in parts, so that the walk and diff can run on another thread:
  // PrepareScan checks the root and returns a Scanner whose Plan and Stream
  // read the index through `reader` (a second connection,
  // Index::OpenReader) and touch nothing else of the engine's, so they may
  // run on any thread, failing (kCancelled) soon once `*cancel` is true.
  // CheckPlan applies the mass-delete brake to a plan (weighed against
  // `live_files`, or the folder's files now). CommitScanStep commits a plan
  // one transaction at a time like FinishScanStep, without announcing:
  // EndStreamedScan announces once every plan of a stream is committed.
  Result<Scanner> PrepareScan(Index& reader, const std::atomic<bool>* cancel = nullptr);
  Result<void> CheckPlan(const ScanPlan& plan, std::optional<std::int64_t> live_files = {});
  Result<std::optional<ScanResult>> CommitScanStep(ScanPlan& plan, std::size_t max_entries);
  Result<ScanResult> EndStreamedScan(ScanResult scanned);
  // Applies needed changes: starts assembling needed files, finishes a
  // durable batch when one is complete, and announces what was applied.
  Result<PullPass> Pull();
  // Where blocks are read and hashed to serve peers, and where the
  // puller's temp files are fsynced (default: inline, on the caller).
  // `wake` is called on the loop when such an fsync has finished: a Pull
  // can then place the file. Must outlive the engine; set before peers
  // connect.
  void set_offload(Offload* offload, std::function<void()> wake = {});

  // Whether a Pull could do anything the last one could not: blocks are in
  // flight or files assembling, a rescan is due, a peer connected, or some
  // name became needed (or gained a holder) since. An index update that
  // changes nothing this device needs — the echo of what it just pulled,
  // say — wants no pass: a pass costs reads of the need list.
  bool PullWanted() const;
  // Whether the disk at `name` is as the puller just left it (OwnWrites): a
  // watcher event about it is the daemon's own write, not a local change.
  bool IsOwnWrite(const std::string& name);
  // OwnWrites::Expire now, and when to call this again (nullopt: nothing is
  // remembered, no need to).
  std::optional<std::int64_t> ExpireOwnWrites();
  // Nothing needed that a connected peer could provide, no request
  // outstanding, no rescan pending.
  bool Idle();
  std::int64_t NeedCount();
  // Needed names and the size of the needed files; both -1 on a store error.
  NeedTotals Need();
  // The user confirmed a held folder (FolderGuard::Resume); the caller
  // scans next.
  Result<void> Resume();
  FolderHold hold() const { return guard_.hold(); }
  const std::string& hold_message() const { return guard_.message(); }
  // The latest entries refused from peers, oldest first; at most
  // kMaxProblems (a peer can send refused entries without end).
  const std::deque<EngineProblem>& problems() const { return problems_; }
  static constexpr std::size_t kMaxProblems = 256;
  // Names the puller could not apply, with why and when they are retried
  // (a Pull after that time tries them again).
  std::vector<PullFailure> PullFailures() const { return puller_->Failures(); }
  std::optional<std::int64_t> NextRetryNanos() const { return puller_->NextRetryNanos(); }

 private:
  struct Peer {
    PeerLink* link = nullptr;
    std::uint64_t connection =
        0;  // which PeerConnected: late answers of an earlier one are dropped
    std::int64_t sent_sequence = -1;  // -1 until its FolderHello told us
    std::size_t outstanding = 0;      // block requests in flight to it
    bool full = false;                // next batch starts over (it has a stale index)
    // Caught up since its FolderHello: later entries may carry block-list
    // deltas. The catch-up itself sends whole lists, so a delta whose base
    // was gone (which ends the connection) comes whole after reconnecting.
    bool live = false;
    SentBlockLists sent;  // long lists announced to it on this connection
  };
  class PeerBlockSource;

  Result<void> OnHello(DeviceKey device_key, const FolderHello& hello);
  Result<void> OnIndex(DeviceKey device_key, const IndexBatch& batch);
  Result<void> OnRequest(DeviceKey device_key, const BlockRequest& request);
  Result<void> OnResponse(DeviceKey device_key, const BlockResponse& response);
  // Replaces a long block list by a delta against a list the peer holds,
  // when that is smaller, and remembers the list as sent.
  void ShrinkToDelta(DeviceKey device_key, Peer& peer, FileInfo& f);
  // Rebuilds the block list of an entry that arrived as a delta. kNotFound:
  // the base is not here (it changed meanwhile); kInvalidArgument: the
  // delta does not fit its base (refused like any bad entry).
  Result<void> ResolveDelta(DeviceKey device_key, FileInfo& f);
  // Logs one line about an entry refused from `device_key`, within its
  // refusal_log_ budget; the next line let through says how many were not.
  void LogRefusal(DeviceKey device_key, const std::string& text);
  // Refuses a counter for our own device that we never issued.
  Result<void> CheckOwnCounter(const FileInfo& f);
  // Sends every connected peer our entries newer than what it has.
  Result<void> Announce();
  Result<void> AnnounceTo(DeviceKey device_key, Peer& peer);
  Scanner MakeScanner() { return MakeScanner(index_); }
  Scanner MakeScanner(Index& index, const std::atomic<bool>* cancel = nullptr);
  Result<ScanResult> AfterScan(Result<ScanResult> scanned);
  // FolderGuard::Check; when it lifts a hold, peers get what they missed.
  Result<void> CheckRoot();
  // Checks the root, plans `paths` as given, and applies the brake.
  Result<ScanPlan> PlanChecked(std::span<const std::string> paths);

  // Reads and verifies one requested block from the first of `places` that
  // holds it. Any thread: touches only fs_.
  static BlockResponse ReadBlock(FileSystem& fs, std::uint64_t seed, const BlockRequest& request,
                                 const std::vector<BlockLocation>& places);

  FileSystem& fs_;
  Index& index_;
  Clock& clock_;
  FolderEngineConfig config_;
  FolderGuard guard_;
  CaseGuard case_guard_;             // names that differ only in case, where they would collide
  std::map<DeviceKey, Peer> peers_;  // connected, by device key
  IgnoreRules ignore_rules_;         // shared by scans and pulls: the last good ones kept
  std::unique_ptr<PeerBlockSource> source_;
  std::unique_ptr<Puller> puller_;
  std::deque<EngineProblem> problems_;
  // Per device: how many refusal lines it may still make us log
  // (LogRefusal), so that no peer can fill the disk with our log.
  std::map<DeviceKey, LogBudget> refusal_log_;
  std::set<std::string> rescan_;  // changed under the puller: scan before pulling
  // Large files recent scans removed, newest last: a new file may be one of
  // them renamed, and its entry can then be a delta against the old name.
  std::deque<std::string> recently_removed_;
  OwnWrites own_writes_;
  std::uint64_t pass_need_generation_ = ~std::uint64_t{0};  // at the last Pull; none yet
  bool new_source_ = false;                                 // a peer said hello since the last Pull
  InlineOffload inline_offload_;
  Offload* offload_ = &inline_offload_;
  std::uint64_t connections_ = 0;  // PeerConnected calls so far
  // Serving work still running on the offload's threads: it reads through
  // fs_, so the destructor waits for it; `alive_` tells late completions
  // the engine is gone.
  struct Serving {
    std::mutex mutex;
    std::condition_variable idle;
    int running = 0;
  };
  std::shared_ptr<Serving> serving_ = std::make_shared<Serving>();
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace shoal
