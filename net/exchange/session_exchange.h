// SessionExchange: the folder conversation over one established session
// (docs/protocol.md "State machine" 4–5). It maps the folder engines'
// messages onto the wire and back:
//
//   engine FolderHello  → one entry of our ClusterConfig (all shared folders
//                         in one message, re-sent when shares change)
//   peer ClusterConfig  → a FolderHello per folder that both sides share;
//                         folders the peer offers that we do not share with
//                         it are reported to the owner (OnFolderOffered)
//   IndexBatch          ↔ Index (full) / IndexUpdate (incremental)
//   BlockRequest        ↔ Request, with exchange-wide request IDs (two
//                         engines may use the same ID)
//   BlockResponse       ↔ Response pieces, reassembled in order
//
// Backpressure: while the sink is not writable, or the peer has spent its
// serving budget (serve_budget.h), the peer's Requests wait in a queue (in
// order) and are served as it drains or the budget refills; our own
// Requests are bounded by the engines' in-flight limit.
//
// Access control: a folder's engine hears from this device only when the
// folder is shared with it locally (ExchangeOwner::FoldersSharedWith);
// anything about another folder is dropped, and a Request for one is
// answered kInvalid without touching the disk.
//
// Errors returned from the On* calls mean the peer broke the protocol: the
// owner closes the session. Lifetime: the owner destroys the exchange when
// the session ends (the destructor disconnects the engines). Loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/device_id.h"
#include "core/model/store_keys.h"
#include "core/sync/folder_peer.h"
#include "net/exchange/serve_budget.h"
#include "net/exchange/wire_sink.h"
#include "net/wire/messages.h"

namespace shoal::net {

// A local folder shared with the exchange's device.
struct ExchangeFolder {
  std::string id;
  std::string label;
  std::uint64_t hash_seed = 0;
  FolderPeer* engine = nullptr;  // owned by the daemon, outlives the exchange
};

class ExchangeOwner {
 public:
  virtual ~ExchangeOwner() = default;
  virtual std::vector<ExchangeFolder> FoldersSharedWith(DeviceKey device_key) = 0;
  // The peer shares a folder with us that we do not share with it (yet).
  virtual void OnFolderOffered(DeviceKey device_key, const wire::FolderShare& share) = 0;
  // A message reached `engine`: it may have work to do (pull, announce).
  virtual void OnEngineInput(FolderPeer& engine) = 0;
  // Sending failed (the write queue is over its limit): close the session.
  virtual void OnSendFailed(const Error& error) = 0;
  // The serving budget ran out with requests held: call ServeHeld after
  // `delay` (replacing an earlier call not yet made).
  virtual void ServeHeldAfter(std::chrono::milliseconds delay) { (void)delay; }
};

class SessionExchange {
 public:
  SessionExchange(const DeviceId& local, const DeviceId& peer, DeviceKey device_key, WireSink& sink,
                  ExchangeOwner& owner);
  ~SessionExchange();
  SessionExchange(const SessionExchange&) = delete;
  SessionExchange& operator=(const SessionExchange&) = delete;

  // Connects the engines of the folders shared with the peer and sends our
  // ClusterConfig. Also after shares changed: newly shared folders connect,
  // unshared ones disconnect, and the new ClusterConfig goes out.
  Result<void> Refresh();

  // One message from the peer; an error means the peer broke the protocol
  // (the owner closes the session with it).
  Result<void> OnMessage(wire::PeerMessage message);
  // The sink drained below its low-water mark: serves held-back requests.
  Result<void> OnWritable();
  // How fast the peer may make us read (default: no limit). Set before
  // the first message.
  void set_serve_rate(ServeRate rate) { budget_ = ServeBudget(rate, ServeBudget::Clock::now()); }
  // The owner's timer after ServeHeldAfter: serves what the budget allows.
  Result<void> ServeHeld() { return OnWritable(); }
  // A peer that keeps asking while we cannot answer is misbehaving: past
  // this many held-back requests the session is closed.
  static constexpr std::size_t kMaxHeldRequests = 4096;
  // Bytes of the peer's requests being read (off the loop) at once; more
  // wait in the held queue.
  static constexpr std::int64_t kMaxServingBytes = std::int64_t{32} << 20;

  DeviceKey device_key() const { return device_key_; }
  // FileInfo entries received from and sent to the peer in this session.
  std::int64_t entries_received() const { return entries_received_; }
  std::int64_t entries_sent() const { return entries_sent_; }

 private:
  class FolderLink;
  struct Connected {
    ExchangeFolder folder;
    std::unique_ptr<FolderLink> link;
    FolderHello hello;  // ours, as the engine sent it
    bool has_hello = false;
    std::uint64_t peer_index_id = 0;  // from the peer's ClusterConfig
    bool peer_shares = false;         // the peer listed it: its hello was delivered
  };
  struct Pending {  // a Request we sent, by wire request ID
    std::string folder;
    std::uint32_t engine_id = 0;
    std::uint32_t size = 0;
    Bytes data;
    bool cancelled = false;  // the folder's connection ended: the answer is dropped
  };

  Result<void> OnClusterConfig(const wire::ClusterConfig& message);
  Result<void> OnIndex(wire::Index&& message, bool full);  // its entries move on
  Result<void> OnRequest(const wire::Request& message);
  Result<void> OnResponse(const wire::Response& message);
  void FromEngine(const std::string& folder, EngineMessage message);
  Result<void> SendClusterConfig();
  void Disconnect(const std::string& id, Connected& connected);
  // A fresh engine connection for the folder, as if the peer had just come.
  Result<void> Reconnect(const std::string& id, Connected& connected);
  Result<void> Deliver(Connected& connected, const EngineMessage& message);
  // Charges the budget for `message`; false (and a wake-up asked of the
  // owner) when it is spent.
  bool Admit(const wire::Request& message);
  Result<void> Serve(const wire::Request& message);
  void Check(Result<void> sent);

  DeviceId local_;
  DeviceId peer_;
  DeviceKey device_key_;
  WireSink& sink_;
  ExchangeOwner& owner_;
  std::map<std::string, Connected> folders_;  // by folder ID
  std::map<std::uint32_t, Pending> pending_;
  std::optional<wire::ClusterConfig> peer_config_;  // the latest one received
  std::deque<wire::Request> held_;                  // waiting for the sink or the budget
  ServeBudget budget_{ServeRate{0, 0}, ServeBudget::Clock::now()};
  struct ServingRead {
    std::uint32_t size = 0;
    std::string folder;
  };
  std::multimap<std::uint32_t, ServingRead> serving_;  // by request ID: being read for the peer
  std::int64_t serving_bytes_ = 0;
  std::uint32_t next_request_id_ = 1;
  std::int64_t entries_received_ = 0;
  std::int64_t entries_sent_ = 0;
  bool refreshing_ = false;
  bool failed_ = false;
};

}  // namespace shoal::net
