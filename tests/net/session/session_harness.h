// Test harness for net/session in one EventLoop, over real loopback TCP or
// an in-memory stream pair (tests/support/memory_stream.h): a listener, a
// dialer, a recording SessionDelegate, a byte-level proxy that can corrupt
// or cut the stream, and RunUntil (drive the loop until a condition holds
// or a generous deadline passes; never a sleep).
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/uv_handle.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/session/session.h"

namespace shoal::net::testing {

// Accepts on 127.0.0.1, port chosen by the kernel; hands each accepted
// connection to `on_accept`, which owns it.
class TcpListener {
 public:
  using OnAccept = std::function<void(UvHandle<uv_tcp_t> tcp)>;
  TcpListener(EventLoop& loop, OnAccept on_accept);
  int port() const { return port_; }

 private:
  OnAccept on_accept_;
  UvHandle<uv_tcp_t> server_;
  int port_ = 0;
};

// Connects to 127.0.0.1:port; `on_connected` owns the connection.
void DialLoopback(EventLoop& loop, int port,
                  std::function<void(UvHandle<uv_tcp_t> tcp)> on_connected);

// Drives the loop until `done()` or `limit` passes; returns done().
bool RunUntil(EventLoop& loop, const std::function<bool()>& done,
              std::chrono::milliseconds limit = std::chrono::seconds(20));
// Drives the loop for `span` (to observe that something does NOT happen).
void RunFor(EventLoop& loop, std::chrono::milliseconds span);

// Everything a session reported, plus hooks to react like an owner.
class Recorder : public SessionDelegate {
 public:
  void OnEstablished(const wire::Hello& hello) override;
  void OnMessage(wire::PeerMessage message) override;
  void OnPing() override { ++pings; }
  void OnClose(const wire::Close& message) override;
  void OnWritable() override;
  void OnPaired(const DeviceId& peer, const wire::PairAccept& accept,
                const std::string& comparison_code) override;
  void OnEnd(const SessionEndInfo& info) override;

  struct Paired {
    DeviceId peer;
    wire::PairAccept accept;
    std::string comparison_code;
  };

  // Messages other than Ping, in arrival order, by record type name.
  std::vector<std::string> log;
  std::optional<wire::Hello> hello;
  std::vector<wire::ClusterConfig> cluster_configs;
  std::vector<wire::Index> indexes;
  std::vector<wire::IndexUpdate> index_updates;
  std::vector<wire::Request> requests;
  std::vector<wire::Response> responses;
  std::vector<wire::Close> closes;
  int pings = 0;
  int writable_calls = 0;
  std::optional<Paired> paired;
  std::optional<SessionEndInfo> end;

  std::function<void()> on_established;
  std::function<void()> on_cluster_config;
  std::function<void()> on_index_update;
  std::function<void(const wire::Request&)> on_request;
  std::function<void()> on_writable;
  std::function<void()> on_paired;
};

// What carries a SessionPair's bytes. kMemory cuts every write into reads
// of at most 1,000 bytes, so frames arrive split.
enum class Transport { kTcp, kMemory };
const char* TransportName(Transport transport);

// Two identities, a listener and a dial; Start() runs both sessions.
struct SessionPair {
  explicit SessionPair(Transport transport = Transport::kTcp);
  ~SessionPair();
  // Starts the initiator (dialing `port`, default: our listener) and the
  // responder (on accept), each with its options and authorize. Over
  // kMemory there is no listener: both start at once on a stream pair, and
  // `port` must be 0.
  void Start(SessionOptions initiator_options = {}, SessionOptions responder_options = {},
             Authorize initiator_authorize = {}, Authorize responder_authorize = {}, int port = 0);
  // The halves of Start(): a responder session for each accepted
  // connection, and an initiator session dialing `port` (0: our listener).
  void Listen(SessionOptions options, Authorize authorize = {});
  void Dial(SessionOptions options, Authorize authorize = {}, int port = 0);
  bool RunUntilEstablished();
  bool RunUntilEnded();
  void Shutdown();  // destroys sessions and listener, closes the loop (checked)

  Transport transport;
  std::unique_ptr<EventLoop> loop;
  Identity initiator_identity;
  Identity responder_identity;
  Recorder initiator_events;
  Recorder responder_events;
  std::unique_ptr<Session> initiator;
  std::unique_ptr<Session> responder;
  std::unique_ptr<TcpListener> listener;
  bool closed = false;
};

// A batch of `files` entries with incompressible ~1 KiB names, so that even
// compressed it spans several records.
wire::IndexUpdate BulkyBatch(std::uint64_t seed, int files);

// Options with a recognisable Hello and test-sized timeouts.
SessionOptions TestOptions(const std::string& device_name);

// Forwards bytes between a client and `target_port`; `tamper` sees each
// chunk going client → server with its stream offset and may change it,
// `tamper_back` each chunk going server → client.
class TcpProxy {
 public:
  using Tamper = std::function<void(std::uint64_t offset, Bytes& chunk)>;
  TcpProxy(EventLoop& loop, int target_port, Tamper tamper = {}, Tamper tamper_back = {});
  ~TcpProxy();
  int port() const { return listener_.port(); }
  // Sends FIN to both ends (no Close record: a truncation).
  void ShutdownBoth();

 private:
  struct Leg;
  void Forward(Leg& from, Leg& to, ByteSpan bytes);

  EventLoop& loop_;
  Tamper tamper_;
  Tamper tamper_back_;
  std::uint64_t client_offset_ = 0;
  std::uint64_t server_offset_ = 0;
  std::unique_ptr<Leg> client_;
  std::unique_ptr<Leg> server_;
  TcpListener listener_;
  int target_port_;
};

}  // namespace shoal::net::testing
