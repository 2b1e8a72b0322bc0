// Test support: two or more FolderEngines over MemoryFileSystems, linked
// by in-order message queues that the test pumps by hand.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/fs/posix_file_system.h"
#include "core/sync/folder_engine.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/temp_dir.h"

namespace shoal::testing {

class ManualClock final : public Clock {
 public:
  std::int64_t NowUnixNanos() override { return now; }
  std::int64_t now = 1'800'000'000'000'000'000;
};

struct QueuedMessage {
  int from = 0;
  int to = 0;
  EngineMessage message;
};

// A real file's whole content ("" when it cannot be read).
std::string ReadDisk(const std::string& path);

class EngineCluster;

class QueueLink final : public PeerLink {
 public:
  QueueLink(EngineCluster& cluster, int from, int to) : cluster_(cluster), from_(from), to_(to) {}
  void Send(EngineMessage message) override;
  bool AcceptsBlockDeltas() const override;

 private:
  EngineCluster& cluster_;
  int from_;
  int to_;
};

struct EngineDevice {
  MemoryFileSystem fs;                     // unless the device is on disk
  std::unique_ptr<PosixFileSystem> posix;  // a real directory, when asked for
  std::string root;                        // of `posix`
  FileSystem& disk() { return posix ? static_cast<FileSystem&>(*posix) : fs; }
  std::unique_ptr<Index> index;
  std::unique_ptr<FolderEngine> engine;
  FolderKey folder_key;
  DeviceKey local_key;
  std::vector<DeviceKey> keys;  // store key of device i in this store
  std::uint64_t short_id = 0;
  std::uint64_t root_device = 0;   // recorded with the marker, as `folder add` does
  std::optional<bool> folds_case;  // FolderEngineConfig::folds_case at the next start
};

class EngineCluster {
 public:
  // Devices listed in `on_disk` use a PosixFileSystem in a temp directory.
  explicit EngineCluster(int devices, PullerConfig pull = {}, std::vector<int> on_disk = {});
  // Drops the engine (in-memory state) and reopens the index; disk stays.
  void Crash(int device);
  void Restart(int device);
  void Connect(int a, int b);
  void Disconnect(int a, int b);
  // Scans every device, then delivers messages and pulls until nothing moves.
  void Settle(int max_rounds = 200);
  void Scan(int device);
  // Delivers the oldest queued message (false when none is queued).
  bool DeliverOne();
  void DeliverAll();
  // After edits made while two devices were apart: lets the edits leave the
  // scanner's racy window, scans both, reconnects them and settles.
  void ScanAndHeal(int a, int b);
  EngineDevice& operator[](int i) { return *devices_[static_cast<std::size_t>(i)]; }
  ManualClock clock;
  std::deque<QueuedMessage> queue;
  bool block_deltas = true;                      // what every link's AcceptsBlockDeltas says
  std::vector<QueuedMessage>* record = nullptr;  // when set, DeliverOne copies each message here
  std::function<void(const QueuedMessage&)> on_send;  // when set, called as each is queued
  std::vector<std::pair<int, int>> connected;

 private:
  void StartEngine(int device);
  TempDir dir_;
  PullerConfig pull_;
  std::vector<std::unique_ptr<EngineDevice>> devices_;
  std::vector<std::unique_ptr<QueueLink>> links_;
};

}  // namespace shoal::testing
