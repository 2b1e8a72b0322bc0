#include "tests/core/sync/engine_pair.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace shoal::testing {
namespace {

DeviceId IdOf(int device) {
  DeviceId::Key key{};
  key.fill(static_cast<std::uint8_t>(0x10 + device));
  return DeviceId(key);
}

}  // namespace

std::string ReadDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void QueueLink::Send(EngineMessage message) {
  cluster_.queue.push_back({from_, to_, std::move(message)});
  if (cluster_.on_send) cluster_.on_send(cluster_.queue.back());
}

bool QueueLink::AcceptsBlockDeltas() const { return cluster_.block_deltas; }

EngineCluster::EngineCluster(int devices, PullerConfig pull, std::vector<int> on_disk)
    : pull_(std::move(pull)) {
  for (int i = 0; i < devices; ++i) {
    auto d = std::make_unique<EngineDevice>();
    if (std::find(on_disk.begin(), on_disk.end(), i) != on_disk.end()) {
      d->root = dir_.File("root" + std::to_string(i));
      std::filesystem::create_directory(d->root);
      d->posix = PosixFileSystem::Open(d->root).value();
    }
    d->index = std::make_unique<Index>(
        Index::Open(dir_.File("index" + std::to_string(i) + ".db")).value());
    for (int j = 0; j < devices; ++j) {
      d->keys.push_back(d->index->PutDevice({{}, IdOf(j), "", "", i == j, false}).value());
    }
    d->local_key = d->keys[static_cast<std::size_t>(i)];
    d->short_id = IdOf(i).ShortId();
    FolderRecord folder{{}, "shared", "/mem", "", 0x5eed, 1000u + static_cast<std::uint64_t>(i)};
    REQUIRE(WriteFolderMarker(d->disk(), "shared"));
    d->root_device = d->disk().ReopenRoot().value();
    folder.root_device = d->root_device;
    d->folder_key = d->index->AddFolder(folder).value().key;
    devices_.push_back(std::move(d));
  }
  for (int i = 0; i < devices; ++i) StartEngine(i);
}

void EngineCluster::StartEngine(int device) {
  EngineDevice& d = (*this)[device];
  FolderEngineConfig config;
  config.folder_key = d.folder_key;
  config.folder_id = "shared";
  config.local_device_key = d.local_key;
  config.local_short_id = d.short_id;
  config.hash_seed = 0x5eed;
  config.index_id = 1000u + static_cast<std::uint64_t>(device);
  config.root_device = d.root_device;
  config.pull = pull_;
  config.folds_case = d.folds_case;
  d.engine = std::make_unique<FolderEngine>(d.disk(), *d.index, clock, config);
}

void EngineCluster::Crash(int device) {
  for (auto [a, b] : std::vector<std::pair<int, int>>(connected)) {
    if (a == device || b == device) Disconnect(a, b);
  }
  EngineDevice& d = (*this)[device];
  d.engine.reset();
  d.index.reset();
}

void EngineCluster::Restart(int device) {
  EngineDevice& d = (*this)[device];
  d.index = std::make_unique<Index>(
      Index::Open(dir_.File("index" + std::to_string(device) + ".db")).value());
  StartEngine(device);
}

void EngineCluster::Connect(int a, int b) {
  connected.emplace_back(a, b);
  links_.push_back(std::make_unique<QueueLink>(*this, a, b));
  QueueLink& ab = *links_.back();
  links_.push_back(std::make_unique<QueueLink>(*this, b, a));
  QueueLink& ba = *links_.back();
  REQUIRE((*this)[a].engine->PeerConnected((*this)[a].keys[static_cast<std::size_t>(b)], ab));
  REQUIRE((*this)[b].engine->PeerConnected((*this)[b].keys[static_cast<std::size_t>(a)], ba));
}

void EngineCluster::Disconnect(int a, int b) {
  std::erase_if(connected, [&](auto p) {
    return (p.first == a && p.second == b) || (p.first == b && p.second == a);
  });
  std::erase_if(queue, [&](const QueuedMessage& m) {
    return (m.from == a && m.to == b) || (m.from == b && m.to == a);
  });
  if ((*this)[a].engine)
    (*this)[a].engine->PeerDisconnected((*this)[a].keys[static_cast<std::size_t>(b)]);
  if ((*this)[b].engine)
    (*this)[b].engine->PeerDisconnected((*this)[b].keys[static_cast<std::size_t>(a)]);
}

void EngineCluster::Scan(int device) {
  auto scanned = (*this)[device].engine->Scan();
  INFO((scanned ? std::string() : scanned.error().ToString()));
  REQUIRE(scanned);
}

bool EngineCluster::DeliverOne() {
  if (queue.empty()) return false;
  QueuedMessage m = std::move(queue.front());
  queue.pop_front();
  if (record != nullptr) record->push_back(m);
  EngineDevice& to = (*this)[m.to];
  auto ok = to.engine->Receive(to.keys[static_cast<std::size_t>(m.from)], m.message);
  INFO((ok ? std::string() : ok.error().ToString()));
  REQUIRE(ok);
  return true;
}

void EngineCluster::DeliverAll() {
  while (DeliverOne()) {
  }
}

void EngineCluster::ScanAndHeal(int a, int b) {
  clock.now += 5'000'000'000;
  Scan(a);
  Scan(b);
  Connect(a, b);
  Settle();
}

void EngineCluster::Settle(int max_rounds) {
  for (int round = 0; round < max_rounds; ++round) {
    clock.now += 3'000'000'000;  // past the scanner's racy window
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i]->engine) Scan(static_cast<int>(i));
    }
    DeliverAll();
    bool idle = true;
    for (auto& d : devices_) {
      if (!d->engine) continue;
      auto pass = d->engine->Pull();
      INFO((pass ? std::string() : pass.error().ToString()));
      REQUIRE(pass);
      idle = idle && d->engine->Idle() && pass->applied == 0;
    }
    if (idle && queue.empty()) return;
  }
  FAIL("cluster did not settle within " << max_rounds << " rounds");
}

}  // namespace shoal::testing
