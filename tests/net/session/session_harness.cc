#include "tests/net/session/session_harness.h"

#include <catch2/catch.hpp>

#include "core/base/bytes.h"
#include "net/loop/timer.h"
#include "tests/net/wire/random_messages.h"
#include "tests/support/memory_stream.h"
#include "tests/support/test_bytes.h"

namespace shoal::net::testing {
namespace {

uv_stream_t* AsStream(uv_tcp_t* tcp) { return reinterpret_cast<uv_stream_t*>(tcp); }

UvHandle<uv_tcp_t> NewTcp(uv_loop_t* loop) {
  auto tcp = UvHandle<uv_tcp_t>::Init(loop, uv_tcp_init);
  SHOAL_CHECK(tcp.has_value(), "uv_tcp_init");
  return std::move(*tcp);
}

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
  int rc = uv_write(&request->request, AsStream(tcp), &buf, 1, [](uv_write_t* req, int) noexcept {
    delete reinterpret_cast<WriteRequest*>(req);
  });
  if (rc != 0) delete request;
}

}  // namespace

TcpListener::TcpListener(EventLoop& loop, OnAccept on_accept)
    : on_accept_(std::move(on_accept)), server_(NewTcp(loop.get())) {
  server_->data = this;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  SHOAL_CHECK(uv_tcp_bind(server_.get(), reinterpret_cast<const sockaddr*>(&addr), 0) == 0, "bind");
  SHOAL_CHECK(uv_listen(server_.stream(), 64,
                        [](uv_stream_t* server, int status) noexcept {
                          auto* self = static_cast<TcpListener*>(server->data);
                          if (status != 0) return;
                          UvHandle<uv_tcp_t> client = NewTcp(server->loop);
                          if (uv_accept(server, client.stream()) != 0) return;  // closes
                          self->on_accept_(std::move(client));
                        }) == 0,
              "listen");
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(server_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void DialLoopback(EventLoop& loop, int port,
                  std::function<void(UvHandle<uv_tcp_t> tcp)> on_connected) {
  struct Dial {
    uv_connect_t request{};
    UvHandle<uv_tcp_t> tcp;
    std::function<void(UvHandle<uv_tcp_t>)> on_connected;
  };
  auto dial = std::make_unique<Dial>();
  dial->tcp = NewTcp(loop.get());
  dial->on_connected = std::move(on_connected);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  int rc = uv_tcp_connect(&dial->request, dial->tcp.get(), reinterpret_cast<const sockaddr*>(&addr),
                          [](uv_connect_t* req, int status) noexcept {
                            std::unique_ptr<Dial> done(reinterpret_cast<Dial*>(req));
                            // A failed connection closes with `done`.
                            if (status == 0) done->on_connected(std::move(done->tcp));
                          });
  SHOAL_CHECK(rc == 0, "uv_tcp_connect");
  (void)dial.release();  // freed by the connect callback
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
void Recorder::OnMessage(wire::PeerMessage message) {
  log.emplace_back(wire::PeerMessageName(message));
  std::visit(
      [this](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, wire::ClusterConfig>) {
          cluster_configs.push_back(std::move(m));
          if (on_cluster_config) on_cluster_config();
        } else if constexpr (std::is_same_v<T, wire::IndexUpdate>) {
          index_updates.push_back(std::move(m));
          if (on_index_update) on_index_update();
        } else if constexpr (std::is_same_v<T, wire::Index>) {
          indexes.push_back(std::move(m));
        } else if constexpr (std::is_same_v<T, wire::Request>) {
          requests.push_back(std::move(m));
          if (on_request) on_request(requests.back());
        } else {
          responses.push_back(std::move(m));
        }
      },
      message);
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
                   .instance_id = 42,
                   .addresses = {}};
  options.handshake_timeout = std::chrono::seconds(10);
  options.close_linger = std::chrono::milliseconds(500);
  return options;
}

const char* TransportName(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "memory";
}

SessionPair::SessionPair(Transport carrier)
    : transport(carrier),
      loop(std::move(EventLoop::Create().value())),
      initiator_identity(IdentityFromByte(1)),
      responder_identity(IdentityFromByte(2)) {}

SessionPair::~SessionPair() {
  if (!closed) Shutdown();
}

void SessionPair::Start(SessionOptions initiator_options, SessionOptions responder_options,
                        Authorize initiator_authorize, Authorize responder_authorize, int port) {
  if (transport == Transport::kMemory) {
    REQUIRE(port == 0);
    if (!initiator_authorize) {
      initiator_authorize = [this](const DeviceId& d) {
        return d == responder_identity.device_id();
      };
    }
    if (!responder_authorize) {
      responder_authorize = [this](const DeviceId& d) {
        return d == initiator_identity.device_id();
      };
    }
    auto [near, far] = shoal::testing::MemoryStreamPair(*loop, {.max_read = 1000});
    auto started_responder =
        Session::Start(*loop, std::move(far), responder_identity, Role::kResponder,
                       std::move(responder_authorize), responder_events, responder_options);
    REQUIRE(started_responder.has_value());
    responder = std::move(*started_responder);
    auto started_initiator =
        Session::Start(*loop, std::move(near), initiator_identity, Role::kInitiator,
                       std::move(initiator_authorize), initiator_events, initiator_options);
    REQUIRE(started_initiator.has_value());
    initiator = std::move(*started_initiator);
    return;
  }
  Listen(std::move(responder_options), std::move(responder_authorize));
  Dial(std::move(initiator_options), std::move(initiator_authorize), port);
}

void SessionPair::Listen(SessionOptions options, Authorize authorize) {
  if (!authorize) {
    authorize = [this](const DeviceId& d) { return d == initiator_identity.device_id(); };
  }
  listener =
      std::make_unique<TcpListener>(*loop, [this, options, authorize](UvHandle<uv_tcp_t> tcp) {
        auto session = Session::Start(*loop, std::move(tcp), responder_identity, Role::kResponder,
                                      authorize, responder_events, options);
        CHECK(session.has_value());
        if (session) responder = std::move(*session);
      });
}

void SessionPair::Dial(SessionOptions options, Authorize authorize, int port) {
  if (!authorize) {
    authorize = [this](const DeviceId& d) { return d == responder_identity.device_id(); };
  }
  DialLoopback(*loop, port == 0 ? listener->port() : port,
               [this, options, authorize](UvHandle<uv_tcp_t> tcp) {
                 auto session =
                     Session::Start(*loop, std::move(tcp), initiator_identity, Role::kInitiator,
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
  UvHandle<uv_tcp_t> tcp;  // empty until connected; data points here
  TcpProxy* proxy = nullptr;
  Bytes pending;  // client bytes that arrived before the server connection
  bool eof = false;
};

TcpProxy::TcpProxy(EventLoop& loop, int target_port, Tamper tamper, Tamper tamper_back)
    : loop_(loop),
      tamper_(std::move(tamper)),
      tamper_back_(std::move(tamper_back)),
      listener_(
          loop,
          [this](UvHandle<uv_tcp_t> tcp) {
            client_ = std::make_unique<Leg>();
            client_->tcp = std::move(tcp);
            client_->proxy = this;
            client_->tcp->data = client_.get();
            auto on_read = [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
              auto* leg = static_cast<Leg*>(stream->data);
              std::unique_ptr<char[]> owned(buf->base);
              if (leg == nullptr || nread == 0) return;
              TcpProxy* self = leg->proxy;
              Leg& other = leg == self->client_.get() ? *self->server_ : *self->client_;
              if (nread < 0) {
                leg->eof = true;
                uv_read_stop(stream);
                if (other.tcp) {
                  auto* request = new uv_shutdown_t;
                  if (uv_shutdown(request, other.tcp.stream(),
                                  [](uv_shutdown_t* r, int) noexcept { delete r; }) != 0) {
                    delete request;
                  }
                }
                return;
              }
              self->Forward(*leg, other,
                            ByteSpan(reinterpret_cast<std::uint8_t*>(buf->base),
                                     static_cast<std::size_t>(nread)));
            };
            auto on_alloc = [](uv_handle_t*, std::size_t size, uv_buf_t* buf) noexcept {
              *buf = uv_buf_init(new char[size], static_cast<unsigned>(size));
            };
            server_ = std::make_unique<Leg>();
            server_->proxy = this;
            uv_read_start(client_->tcp.stream(), on_alloc, on_read);
            DialLoopback(loop_, target_port_, [this, on_alloc, on_read](UvHandle<uv_tcp_t> server) {
              server_->tcp = std::move(server);
              server_->tcp->data = server_.get();
              uv_read_start(server_->tcp.stream(), on_alloc, on_read);
              if (!server_->pending.empty()) {
                WriteBytes(server_->tcp.get(), server_->pending);
              }
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
  if (!to.tcp) {
    to.pending.insert(to.pending.end(), chunk.begin(), chunk.end());
    return;
  }
  WriteBytes(to.tcp.get(), chunk);
}

void TcpProxy::ShutdownBoth() {
  for (Leg* leg : {client_.get(), server_.get()}) {
    if (leg == nullptr || !leg->tcp) continue;
    auto* request = new uv_shutdown_t;
    if (uv_shutdown(request, leg->tcp.stream(), [](uv_shutdown_t* r, int) noexcept { delete r; }) !=
        0) {
      delete request;
    }
  }
}

TcpProxy::~TcpProxy() = default;  // each Leg closes its handle

}  // namespace shoal::net::testing
