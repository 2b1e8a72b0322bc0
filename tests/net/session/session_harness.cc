#include "tests/net/session/session_harness.h"

#include <catch2/catch.hpp>

#include "core/base/bytes.h"
#include "net/loop/timer.h"
#include "tests/net/wire/random_messages.h"
#include "tests/support/test_bytes.h"

namespace shoal::net::testing {
namespace {

uv_stream_t* AsStream(uv_tcp_t* tcp) { return reinterpret_cast<uv_stream_t*>(tcp); }
uv_handle_t* AsHandle(uv_tcp_t* tcp) { return reinterpret_cast<uv_handle_t*>(tcp); }

Identity IdentityFromByte(std::uint8_t byte) {
  Bytes seed(Identity::kSeedSize, byte);
  auto identity = Identity::FromSeed(seed);
  SHOAL_CHECK(identity.has_value(), "test identity");
  return std::move(*identity);
}

struct WriteRequest {
  uv_write_t request{};
  Bytes bytes;
};

void WriteBytes(uv_tcp_t* tcp, ByteSpan bytes) {
  auto* request = new WriteRequest;
  request->bytes.assign(bytes.begin(), bytes.end());
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(request->bytes.data()),
                             static_cast<unsigned>(request->bytes.size()));
  int rc = uv_write(&request->request, AsStream(tcp), &buf, 1,
                    [](uv_write_t* req, int) { delete reinterpret_cast<WriteRequest*>(req); });
  if (rc != 0) delete request;
}

}  // namespace

void CloseAndFree(uv_tcp_t* tcp) {
  tcp->data = nullptr;
  uv_close(AsHandle(tcp), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
}

TcpListener::TcpListener(EventLoop& loop, std::function<void(uv_tcp_t*)> on_accept)
    : server_(new uv_tcp_t), on_accept_(std::move(on_accept)) {
  SHOAL_CHECK(uv_tcp_init(loop.get(), server_) == 0, "uv_tcp_init");
  server_->data = this;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  SHOAL_CHECK(uv_tcp_bind(server_, reinterpret_cast<const sockaddr*>(&addr), 0) == 0, "bind");
  SHOAL_CHECK(uv_listen(AsStream(server_), 64,
                        [](uv_stream_t* server, int status) {
                          auto* self = static_cast<TcpListener*>(server->data);
                          if (status != 0 || self == nullptr) return;
                          auto* client = new uv_tcp_t;
                          uv_tcp_init(server->loop, client);
                          if (uv_accept(server, AsStream(client)) != 0) {
                            CloseAndFree(client);
                            return;
                          }
                          self->on_accept_(client);
                        }) == 0,
              "listen");
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(server_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

TcpListener::~TcpListener() { CloseAndFree(server_); }

void DialLoopback(EventLoop& loop, int port, std::function<void(uv_tcp_t*)> on_connected) {
  struct Dial {
    uv_connect_t request{};
    uv_tcp_t* tcp = new uv_tcp_t;
    std::function<void(uv_tcp_t*)> on_connected;
  };
  auto* dial = new Dial;
  dial->on_connected = std::move(on_connected);
  uv_tcp_init(loop.get(), dial->tcp);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  int rc = uv_tcp_connect(&dial->request, dial->tcp, reinterpret_cast<const sockaddr*>(&addr),
                          [](uv_connect_t* req, int status) {
                            auto* done = reinterpret_cast<Dial*>(req);
                            if (status == 0) {
                              done->on_connected(done->tcp);
                            } else {
                              CloseAndFree(done->tcp);
                            }
                            delete done;
                          });
  SHOAL_CHECK(rc == 0, "uv_tcp_connect");
}

bool RunUntil(EventLoop& loop, const std::function<bool()>& done, std::chrono::milliseconds limit) {
  // A ticking timer keeps uv_run(ONCE) from blocking past the deadline.
  auto tick = Timer::Create(loop);
  SHOAL_CHECK(tick.has_value(), "timer");
  std::function<void()> rearm = [&] { (*tick)->Start(std::chrono::milliseconds(5), rearm); };
  rearm();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    uv_run(loop.get(), UV_RUN_ONCE);
  }
  return done();
}

void RunFor(EventLoop& loop, std::chrono::milliseconds span) {
  const auto until = std::chrono::steady_clock::now() + span;
  RunUntil(
      loop, [&] { return std::chrono::steady_clock::now() >= until; }, span * 2);
}

void Recorder::OnEstablished(const wire::Hello& message) {
  hello = message;
  if (on_established) on_established();
}
void Recorder::OnClusterConfig(wire::ClusterConfig message) {
  log.emplace_back("ClusterConfig");
  cluster_configs.push_back(std::move(message));
  if (on_cluster_config) on_cluster_config();
}
void Recorder::OnIndex(wire::Index message) {
  log.emplace_back("Index");
  indexes.push_back(std::move(message));
}
void Recorder::OnIndexUpdate(wire::IndexUpdate message) {
  log.emplace_back("IndexUpdate");
  index_updates.push_back(std::move(message));
}
void Recorder::OnRequest(wire::Request message) {
  log.emplace_back("Request");
  requests.push_back(std::move(message));
  if (on_request) on_request(requests.back());
}
void Recorder::OnResponse(wire::Response message) {
  log.emplace_back("Response");
  responses.push_back(std::move(message));
}
void Recorder::OnClose(const wire::Close& message) {
  log.emplace_back("Close");
  closes.push_back(message);
}
void Recorder::OnWritable() {
  ++writable_calls;
  if (on_writable) on_writable();
}
void Recorder::OnPaired(const DeviceId& peer, const wire::PairAccept& accept,
                        const std::string& comparison_code) {
  CHECK_FALSE(paired.has_value());  // at most once
  log.emplace_back("PairAccept");
  paired = Paired{.peer = peer, .accept = accept, .comparison_code = comparison_code};
  if (on_paired) on_paired();
}
void Recorder::OnEnd(const SessionEndInfo& info) {
  CHECK_FALSE(end.has_value());  // exactly once
  end = info;
}

wire::IndexUpdate BulkyBatch(std::uint64_t seed, int files) {
  shoal::testing::SplitMix64 rng(seed);
  wire::IndexUpdate batch;
  batch.folder = "photos";
  for (int i = 0; i < files; ++i) {
    FileInfo file = wire::testing::RandomFileInfo(rng);
    file.name = HexEncode(shoal::testing::RandomBytes(512, rng.Next()));
    batch.files.push_back(std::move(file));
  }
  return batch;
}

SessionOptions TestOptions(const std::string& device_name) {
  SessionOptions options;
  options.hello = {.device_name = device_name,
                   .client_name = "shoal",
                   .client_version = "0.1.0",
                   .instance_id = 42};
  options.handshake_timeout = std::chrono::seconds(10);
  options.close_linger = std::chrono::milliseconds(500);
  return options;
}

SessionPair::SessionPair()
    : loop(std::move(EventLoop::Create().value())),
      initiator_identity(IdentityFromByte(1)),
      responder_identity(IdentityFromByte(2)) {}

SessionPair::~SessionPair() {
  if (!closed) Shutdown();
}

void SessionPair::Start(SessionOptions initiator_options, SessionOptions responder_options,
                        Authorize initiator_authorize, Authorize responder_authorize, int port) {
  Listen(std::move(responder_options), std::move(responder_authorize));
  Dial(std::move(initiator_options), std::move(initiator_authorize), port);
}

void SessionPair::Listen(SessionOptions options, Authorize authorize) {
  if (!authorize) {
    authorize = [this](const DeviceId& d) { return d == initiator_identity.device_id(); };
  }
  listener = std::make_unique<TcpListener>(*loop, [this, options, authorize](uv_tcp_t* tcp) {
    auto session = Session::Start(*loop, tcp, responder_identity, Role::kResponder, authorize,
                                  responder_events, options);
    CHECK(session.has_value());
    if (session) responder = std::move(*session);
  });
}

void SessionPair::Dial(SessionOptions options, Authorize authorize, int port) {
  if (!authorize) {
    authorize = [this](const DeviceId& d) { return d == responder_identity.device_id(); };
  }
  DialLoopback(*loop, port == 0 ? listener->port() : port,
               [this, options, authorize](uv_tcp_t* tcp) {
                 auto session = Session::Start(*loop, tcp, initiator_identity, Role::kInitiator,
                                               authorize, initiator_events, options);
                 CHECK(session.has_value());
                 if (session) initiator = std::move(*session);
               });
}

bool SessionPair::RunUntilEstablished() {
  return RunUntil(*loop, [this] {
    return initiator_events.hello.has_value() && responder_events.hello.has_value();
  });
}

bool SessionPair::RunUntilEnded() {
  return RunUntil(*loop, [this] {
    return initiator_events.end.has_value() && responder_events.end.has_value();
  });
}

void SessionPair::Shutdown() {
  initiator.reset();
  responder.reset();
  listener.reset();
  closed = true;
  // Pending close callbacks run here; a leaked handle fails the test.
  auto result = loop->Close();
  CHECK(result.has_value());
}

struct TcpProxy::Leg {
  uv_tcp_t* tcp = nullptr;
  TcpProxy* proxy = nullptr;
  Bytes pending;  // client bytes that arrived before the server connection
  bool eof = false;
};

TcpProxy::TcpProxy(EventLoop& loop, int target_port, Tamper tamper, Tamper tamper_back)
    : loop_(loop),
      tamper_(std::move(tamper)),
      tamper_back_(std::move(tamper_back)),
      listener_(loop,
                [this](uv_tcp_t* tcp) {
                  client_ = std::make_unique<Leg>();
                  client_->tcp = tcp;
                  client_->proxy = this;
                  tcp->data = client_.get();
                  auto on_read = [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
                    auto* leg = static_cast<Leg*>(stream->data);
                    std::unique_ptr<char[]> owned(buf->base);
                    if (leg == nullptr || nread == 0) return;
                    TcpProxy* self = leg->proxy;
                    Leg& other = leg == self->client_.get() ? *self->server_ : *self->client_;
                    if (nread < 0) {
                      leg->eof = true;
                      uv_read_stop(stream);
                      if (other.tcp != nullptr) {
                        auto* request = new uv_shutdown_t;
                        if (uv_shutdown(request, AsStream(other.tcp),
                                        [](uv_shutdown_t* r, int) { delete r; }) != 0) {
                          delete request;
                        }
                      }
                      return;
                    }
                    self->Forward(*leg, other,
                                  ByteSpan(reinterpret_cast<std::uint8_t*>(buf->base),
                                           static_cast<std::size_t>(nread)));
                  };
                  auto on_alloc = [](uv_handle_t*, std::size_t size, uv_buf_t* buf) {
                    *buf = uv_buf_init(new char[size], static_cast<unsigned>(size));
                  };
                  server_ = std::make_unique<Leg>();
                  server_->proxy = this;
                  uv_read_start(AsStream(tcp), on_alloc, on_read);
                  DialLoopback(loop_, target_port_, [this, on_alloc, on_read](uv_tcp_t* server) {
                    server_->tcp = server;
                    server->data = server_.get();
                    uv_read_start(AsStream(server), on_alloc, on_read);
                    if (!server_->pending.empty()) WriteBytes(server, server_->pending);
                    server_->pending.clear();
                  });
                }),
      target_port_(target_port) {}

void TcpProxy::Forward(Leg& from, Leg& to, ByteSpan bytes) {
  Bytes chunk(bytes.begin(), bytes.end());
  if (&from == client_.get()) {
    if (tamper_) tamper_(client_offset_, chunk);
    client_offset_ += chunk.size();
  } else {
    if (tamper_back_) tamper_back_(server_offset_, chunk);
    server_offset_ += chunk.size();
  }
  if (to.tcp == nullptr) {
    to.pending.insert(to.pending.end(), chunk.begin(), chunk.end());
    return;
  }
  WriteBytes(to.tcp, chunk);
}

void TcpProxy::ShutdownBoth() {
  for (Leg* leg : {client_.get(), server_.get()}) {
    if (leg == nullptr || leg->tcp == nullptr) continue;
    auto* request = new uv_shutdown_t;
    if (uv_shutdown(request, AsStream(leg->tcp), [](uv_shutdown_t* r, int) { delete r; }) != 0) {
      delete request;
    }
  }
}

TcpProxy::~TcpProxy() {
  for (Leg* leg : {client_.get(), server_.get()}) {
    if (leg != nullptr && leg->tcp != nullptr) CloseAndFree(leg->tcp);
  }
}

}  // namespace shoal::net::testing
