#include "net/exchange/session_exchange.h"

#include <algorithm>
#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/model/block_ref.h"

namespace shoal::net {
namespace {

wire::ResponseCode ToWire(BlockStatus status) {
  switch (status) {
    case BlockStatus::kOk:
      return wire::ResponseCode::kOk;
    case BlockStatus::kNoSuchFile:
      return wire::ResponseCode::kNoSuchFile;
    case BlockStatus::kInvalid:
      return wire::ResponseCode::kInvalid;
    case BlockStatus::kHashMismatch:
      return wire::ResponseCode::kHashMismatch;
    case BlockStatus::kBusy:
      return wire::ResponseCode::kBusy;
  }
  return wire::ResponseCode::kInvalid;
}

BlockStatus FromWire(wire::ResponseCode code) {
  switch (code) {
    case wire::ResponseCode::kOk:
      return BlockStatus::kOk;
    case wire::ResponseCode::kNoSuchFile:
      return BlockStatus::kNoSuchFile;
    case wire::ResponseCode::kHashMismatch:
      return BlockStatus::kHashMismatch;
    case wire::ResponseCode::kBusy:
      return BlockStatus::kBusy;
    case wire::ResponseCode::kInvalid:
      break;
  }
  return BlockStatus::kInvalid;  // also codes from newer peers
}

const wire::FolderDevice* FindDevice(const wire::FolderShare& share, const DeviceId& device) {
  for (const auto& entry : share.devices) {
    if (entry.device == device) return &entry;
  }
  return nullptr;
}

}  // namespace

class SessionExchange::FolderLink final : public PeerLink {
 public:
  FolderLink(SessionExchange& exchange, std::string folder)
      : exchange_(exchange), folder_(std::move(folder)) {}
  void Send(EngineMessage message) override { exchange_.FromEngine(folder_, std::move(message)); }
  bool Writable() const override { return exchange_.sink_.writable(); }
  bool AcceptsBlockDeltas() const override { return exchange_.sink_.accepts_block_deltas(); }

 private:
  SessionExchange& exchange_;
  std::string folder_;
};

SessionExchange::SessionExchange(const DeviceId& local, const DeviceId& peer, DeviceKey device_key,
                                 WireSink& sink, ExchangeOwner& owner)
    : local_(local), peer_(peer), device_key_(device_key), sink_(sink), owner_(owner) {}

SessionExchange::~SessionExchange() {
  for (auto& [id, connected] : folders_) Disconnect(id, connected);
}

Result<void> SessionExchange::Refresh() {
  std::vector<ExchangeFolder> shared = owner_.FoldersSharedWith(device_key_);
  std::set<std::string> keep;
  for (const ExchangeFolder& folder : shared) keep.insert(folder.id);
  // Let go of unshared (or removed) folders first: the owner may destroy
  // their engines as soon as this returns, even if a step below fails.
  for (auto it = folders_.begin(); it != folders_.end();) {
    if (keep.count(it->first) != 0) {
      ++it;
      continue;
    }
    Disconnect(it->first, it->second);
    it = folders_.erase(it);
  }
  if (!held_.empty()) owner_.ServeHeldAfter(std::chrono::milliseconds(0));  // reads were let go
  refreshing_ = true;  // the engines' FolderHellos go out in one ClusterConfig
  for (ExchangeFolder& folder : shared) {
    auto [it, added] = folders_.try_emplace(folder.id);
    it->second.folder = folder;
    if (!added) continue;
    it->second.link = std::make_unique<FolderLink>(*this, folder.id);
    Result<void> connected = folder.engine->PeerConnected(device_key_, *it->second.link);
    if (!connected) {
      folders_.erase(it);
      refreshing_ = false;
      return connected.error();
    }
  }
  refreshing_ = false;
  Result<void> sent = SendClusterConfig();
  if (!sent) return sent;
  // Folders the peer already offered and we now share too get their hello.
  if (peer_config_) return OnClusterConfig(wire::ClusterConfig(*peer_config_));
  return {};
}

void SessionExchange::Disconnect(const std::string& id, Connected& connected) {
  connected.folder.engine->PeerDisconnected(device_key_);
  // Blocks still on their way belong to a connection that no longer exists.
  for (auto& [wire_id, pending] : pending_) {
    if (pending.folder == id) pending.cancelled = true;
  }
  // Its engine drops answers to this connection's requests: their reads
  // no longer count against the peer's (Reconnect and Refresh resume).
  std::erase_if(serving_, [&](const auto& entry) {
    if (entry.second.folder != id) return false;
    serving_bytes_ -= entry.second.size;
    return true;
  });
}

Result<void> SessionExchange::Reconnect(const std::string& id, Connected& connected) {
  Disconnect(id, connected);
  if (!held_.empty()) owner_.ServeHeldAfter(std::chrono::milliseconds(0));
  connected.has_hello = false;
  connected.peer_shares = false;
  connected.peer_index_id = 0;
  connected.link = std::make_unique<FolderLink>(*this, id);
  return connected.folder.engine->PeerConnected(device_key_, *connected.link);
}

Result<void> SessionExchange::SendClusterConfig() {
  wire::ClusterConfig config;
  for (const auto& [id, connected] : folders_) {
    if (!connected.has_hello) continue;
    wire::FolderShare share{id, connected.folder.label, connected.folder.hash_seed, {}};
    share.devices.push_back({local_, connected.hello.my_index_id, 0});
    share.devices.push_back(
        {peer_, connected.hello.your_index_id, connected.hello.your_max_sequence});
    config.folders.push_back(std::move(share));
  }
  return sink_.Send(wire::PeerMessage(std::move(config)));
}

Result<void> SessionExchange::OnMessage(wire::PeerMessage message) {
  return std::visit(
      [this](auto& m) -> Result<void> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, wire::ClusterConfig>) {
          return OnClusterConfig(m);
        } else if constexpr (std::is_same_v<T, wire::IndexUpdate>) {
          return OnIndex(std::move(m), /*full=*/false);
        } else if constexpr (std::is_same_v<T, wire::Index>) {
          return OnIndex(std::move(m), /*full=*/true);
        } else if constexpr (std::is_same_v<T, wire::Request>) {
          return OnRequest(m);
        } else {
          static_assert(std::is_same_v<T, wire::Response>, "a PeerMessage without a handler");
          return OnResponse(m);
        }
      },
      message);
}

Result<void> SessionExchange::OnClusterConfig(const wire::ClusterConfig& message) {
  peer_config_ = message;
  std::set<std::string> listed;
  for (const wire::FolderShare& share : message.folders) {
    listed.insert(share.id);
    auto it = folders_.find(share.id);
    if (it == folders_.end()) {
      owner_.OnFolderOffered(device_key_, share);
      continue;
    }
    Connected& connected = it->second;
    // A different block ID seed means a different folder under the same ID:
    // nothing could be exchanged, so it is not treated as shared.
    if (share.hash_seed != connected.folder.hash_seed) continue;
    const wire::FolderDevice* theirs = FindDevice(share, peer_);
    const wire::FolderDevice* ours = FindDevice(share, local_);
    const std::uint64_t their_index_id = theirs ? theirs->index_id : 0;
    if (connected.peer_shares) {
      if (their_index_id == connected.peer_index_id) continue;
      // The peer started its index of this folder over: so does the engine's
      // view of it.
      if (auto again = Reconnect(share.id, connected); !again) return again;
    }
    FolderHello hello{share.id, their_index_id, ours ? ours->index_id : 0,
                      ours ? ours->max_sequence : 0};
    connected.peer_index_id = hello.my_index_id;
    connected.peer_shares = true;
    Result<void> delivered = Deliver(connected, hello);
    if (!delivered) return delivered;
  }
  // Folders the peer stopped sharing with us: the engine forgets the peer's
  // state for them until it shares them again.
  for (auto& [id, connected] : folders_) {
    if (!connected.peer_shares || listed.count(id) != 0) continue;
    if (auto again = Reconnect(id, connected); !again) return again;
  }
  return {};
}

Result<void> SessionExchange::OnIndex(wire::Index&& message, bool full) {
  auto it = folders_.find(message.folder);
  // Not shared with this device (or not by it): nothing of it is accepted.
  if (it == folders_.end() || !it->second.peer_shares) return {};
  entries_received_ += static_cast<std::int64_t>(message.files.size());
  IndexBatch batch{message.folder, it->second.peer_index_id, full, std::move(message.files)};
  return Deliver(it->second, std::move(batch));
}

Result<void> SessionExchange::OnRequest(const wire::Request& message) {
  if (!held_.empty() || !sink_.writable() || !Admit(message)) {
    if (held_.size() >= kMaxHeldRequests) {
      return Fail(ErrorCode::kProtocol, "peer sent more than " + std::to_string(kMaxHeldRequests) +
                                            " requests while we could not answer");
    }
    held_.push_back(message);
    return {};
  }
  return Serve(message);
}

bool SessionExchange::Admit(const wire::Request& message) {
  // Reads already running for this peer: the next waits until one is
  // answered (FromEngine).
  if (serving_bytes_ >= kMaxServingBytes) return false;
  const auto now = ServeBudget::Clock::now();
  // Larger requests are refused by the engine; they cost what a block can.
  const std::int64_t cost = std::min<std::int64_t>(message.size, kMaxBlockSize);
  if (budget_.TryCharge(cost, now)) return true;
  owner_.ServeHeldAfter(budget_.WaitFor(now));
  return false;
}

Result<void> SessionExchange::OnWritable() {
  while (!held_.empty() && sink_.writable() && Admit(held_.front())) {
    wire::Request next = std::move(held_.front());
    held_.pop_front();
    Result<void> served = Serve(next);
    if (!served) return served;
  }
  // Index batches an engine held back while the queue was full go next.
  for (auto& [id, connected] : folders_) {
    if (!sink_.writable()) break;
    if (!connected.peer_shares) continue;
    if (auto ok = connected.folder.engine->PeerWritable(device_key_); !ok) return ok;
  }
  return {};
}

Result<void> SessionExchange::Serve(const wire::Request& message) {
  auto it = folders_.find(message.folder);
  if (it == folders_.end() || !it->second.peer_shares) {
    Check(sink_.SendResponse(message.request_id, wire::ResponseCode::kInvalid, {}));
    return {};
  }
  BlockRequest request{message.request_id, message.folder, message.name,
                       message.offset,     message.size,   message.hash};
  serving_.emplace(message.request_id, ServingRead{message.size, message.folder});
  serving_bytes_ += message.size;
  return Deliver(it->second, request);
}

Result<void> SessionExchange::OnResponse(const wire::Response& message) {
  auto it = pending_.find(message.request_id);
  if (it == pending_.end()) {
    return Fail(ErrorCode::kProtocol, "Response for a request that is not outstanding");
  }
  Pending& pending = it->second;
  BlockResponse response{pending.engine_id, FromWire(message.code), {}};
  if (message.code == wire::ResponseCode::kOk) {
    if (message.offset != pending.data.size()) {
      return Fail(ErrorCode::kProtocol, "Response piece out of order");
    }
    if (message.data.size() > pending.size - pending.data.size()) {
      return Fail(ErrorCode::kProtocol, "Response longer than the block requested");
    }
    pending.data.insert(pending.data.end(), message.data.begin(), message.data.end());
    if (pending.data.size() < pending.size) return {};
    response.data = std::move(pending.data);
  }
  std::string folder = std::move(pending.folder);
  const bool cancelled = pending.cancelled;
  pending_.erase(it);
  auto connected = folders_.find(folder);
  if (cancelled || connected == folders_.end()) return {};  // unshared meanwhile
  return Deliver(connected->second, response);
}

Result<void> SessionExchange::Deliver(Connected& connected, const EngineMessage& message) {
  FolderPeer& engine = *connected.folder.engine;
  Result<void> received = engine.Receive(device_key_, message);
  owner_.OnEngineInput(engine);
  return received;
}

void SessionExchange::FromEngine(const std::string& folder, EngineMessage message) {
  if (auto* hello = std::get_if<FolderHello>(&message)) {
    auto it = folders_.find(folder);
    if (it == folders_.end()) return;
    it->second.hello = *hello;
    it->second.has_hello = true;
    if (!refreshing_) Check(SendClusterConfig());
  } else if (auto* batch = std::get_if<IndexBatch>(&message)) {
    entries_sent_ += static_cast<std::int64_t>(batch->files.size());
    wire::IndexUpdate update;
    update.folder = folder;
    update.files = std::move(batch->files);
    if (batch->full) {
      Check(sink_.Send(wire::PeerMessage(std::in_place_type<wire::Index>, std::move(update))));
    } else {
      Check(sink_.Send(wire::PeerMessage(std::move(update))));
    }
  } else if (auto* request = std::get_if<BlockRequest>(&message)) {
    while (next_request_id_ == 0 || pending_.count(next_request_id_) != 0) ++next_request_id_;
    const std::uint32_t id = next_request_id_++;
    pending_[id] = Pending{folder, request->id, request->size, {}};
    Check(sink_.Send(
        wire::Request{id, folder, request->name, request->offset, request->size, request->hash}));
  } else if (auto* response = std::get_if<BlockResponse>(&message)) {
    Check(sink_.SendResponse(response->id, ToWire(response->status), response->data));
    if (auto it = serving_.find(response->id); it != serving_.end()) {
      serving_bytes_ -= it->second.size;
      serving_.erase(it);
      // Room for more reads: the owner's timer serves what waits (not
      // from here, which may be deep inside an engine's call).
      if (!held_.empty()) owner_.ServeHeldAfter(std::chrono::milliseconds(0));
    }
  }
}

void SessionExchange::Check(Result<void> sent) {
  if (sent || failed_) return;
  failed_ = true;
  owner_.OnSendFailed(sent.error());
}

}  // namespace shoal::net
