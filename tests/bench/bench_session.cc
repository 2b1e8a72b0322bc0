// shoal_bench_session: Session cost over loopback TCP.
//  1. Handshakes per second: N sequential connections, each dialed,
//     accepted, Noise XX + authorize + Hello both ways, then dropped; both
//     ends in one loop (so the figure includes both sides' CPU).
//  2. Encrypted throughput of one session: the receiver requests 1 GiB of
//     4 MiB blocks (pipelined), the sender answers with Responses of
//     incompressible data (so every piece also pays the compression
//     attempt), honouring backpressure; sender and receiver run in two
//     threads with a loop each, once with each cipher (ChaChaPoly: AESGCM
//     not offered; AESGCM: offered by both, where the CPU has AES-NI).
//     Target (2-core machine): >= 700 MB/s.
// Medians of several runs. Not a test: it reports numbers and exits 0.
//
// Usage: shoal_bench_session [--quick]
#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/base/log.h"
#include "core/base/uv_handle.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/noise/cipher_state.h"
#include "net/session/session.h"

namespace shoal::net {
namespace {

using Clock = std::chrono::steady_clock;

Identity IdentityFromByte(std::uint8_t byte) {
  return std::move(Identity::FromSeed(Bytes(Identity::kSeedSize, byte)).value());
}

Bytes RandomData(std::size_t size) {
  Bytes data(size);
  std::uint64_t state = 42;
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
    z ^= z >> 31;
    std::memcpy(&data[i], &z, 8);
  }
  return data;
}

// CPU seconds (user + system) of the whole process: both ends' work, even
// when the shared machine leaves us less than two cores.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

UvHandle<uv_tcp_t> NewTcp(uv_loop_t* loop) {
  auto tcp = UvHandle<uv_tcp_t>::Init(loop, uv_tcp_init);
  SHOAL_CHECK(tcp.has_value(), "uv_tcp_init");
  return std::move(*tcp);
}

// A listening socket on 127.0.0.1 (kernel-chosen port) handing accepted
// connections to `on_accept`; closed in the destructor.
class Listener {
 public:
  Listener(EventLoop& loop, std::function<void(UvHandle<uv_tcp_t>)> on_accept)
      : on_accept_(std::move(on_accept)), server_(NewTcp(loop.get())) {
    server_->data = this;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    SHOAL_CHECK(uv_tcp_bind(server_.get(), reinterpret_cast<const sockaddr*>(&addr), 0) == 0,
                "bind");
    SHOAL_CHECK(uv_listen(server_.stream(), 128,
                          [](uv_stream_t* server, int status) noexcept {
                            if (status != 0) return;
                            UvHandle<uv_tcp_t> client = NewTcp(server->loop);
                            SHOAL_CHECK(uv_accept(server, client.stream()) == 0, "accept");
                            static_cast<Listener*>(server->data)->on_accept_(std::move(client));
                          }) == 0,
                "listen");
    sockaddr_storage bound{};
    int len = sizeof(bound);
    uv_tcp_getsockname(server_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  int port() const { return port_; }

 private:
  std::function<void(UvHandle<uv_tcp_t>)> on_accept_;
  UvHandle<uv_tcp_t> server_;
  int port_ = 0;
};

void Dial(EventLoop& loop, int port, std::function<void(UvHandle<uv_tcp_t>)> on_connected) {
  struct Request {
    uv_connect_t connect{};
    UvHandle<uv_tcp_t> tcp;
    std::function<void(UvHandle<uv_tcp_t>)> on_connected;
  };
  auto* request = new Request{.tcp = NewTcp(loop.get()), .on_connected = std::move(on_connected)};
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  SHOAL_CHECK(uv_tcp_connect(&request->connect, request->tcp.get(),
                             reinterpret_cast<const sockaddr*>(&addr),
                             [](uv_connect_t* connect, int status) noexcept {
                               std::unique_ptr<Request> done(reinterpret_cast<Request*>(connect));
                               SHOAL_CHECK(status == 0, "connect");
                               done->on_connected(std::move(done->tcp));
                             }) == 0,
              "connect");
}

// A delegate that forwards what the benchmark needs to std::functions.
struct Events : SessionDelegate {
  std::function<void()> established, cluster_config, writable;
  std::function<void(wire::Request)> request;
  std::function<void(wire::Response)> response;
  std::function<void(const SessionEndInfo&)> end;
  void OnEstablished(const wire::Hello&) override {
    if (established) established();
  }
  void OnMessage(wire::PeerMessage message) override {
    if (std::holds_alternative<wire::ClusterConfig>(message) && cluster_config) cluster_config();
    if (auto* m = std::get_if<wire::Request>(&message); m && request) request(std::move(*m));
    if (auto* m = std::get_if<wire::Response>(&message); m && response) response(std::move(*m));
  }
  void OnWritable() override {
    if (writable) writable();
  }
  void OnEnd(const SessionEndInfo& info) override {
    if (end) end(info);
  }
};

SessionOptions Options(const char* name, bool offer_aes_gcm = true) {
  SessionOptions options;
  options.offer_aes_gcm = offer_aes_gcm;
  options.hello = {.device_name = name,
                   .client_name = "shoal",
                   .client_version = "0.1.0",
                   .instance_id = 1,
                   .addresses = {}};
  return options;
}

Authorize Only(const Identity& peer) {
  DeviceId id = peer.device_id();
  return [id](const DeviceId& device) { return device == id; };
}

// Seconds for `count` sequential handshakes (dial → both sides saw Hello).
double HandshakeRun(int count) {
  auto loop = std::move(EventLoop::Create().value());
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  Events initiator_events, responder_events;
  std::unique_ptr<Session> initiator, responder;
  int established = 0;
  initiator_events.established = [&] { ++established; };
  responder_events.established = [&] { ++established; };
  auto listener = std::make_unique<Listener>(*loop, [&](UvHandle<uv_tcp_t> tcp) {
    responder = std::move(Session::Start(*loop, std::move(tcp), bob, Role::kResponder, Only(alice),
                                         responder_events, Options("bob"))
                              .value());
  });
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    established = 0;
    Dial(*loop, listener->port(), [&](UvHandle<uv_tcp_t> tcp) {
      initiator = std::move(Session::Start(*loop, std::move(tcp), alice, Role::kInitiator,
                                           Only(bob), initiator_events, Options("alice"))
                                .value());
    });
    while (established < 2) uv_run(loop->get(), UV_RUN_ONCE);
    initiator.reset();  // dropped, not closed: the handshake is what is measured
    responder.reset();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  listener.reset();
  uv_run(loop->get(), UV_RUN_NOWAIT);
  SHOAL_CHECK(loop->Close().has_value(), "loop close");
  return seconds;
}

// The sending side (its own thread and loop): answers every Request with
// `block`, queueing requests while the session is not writable.
void RunSender(int port, const Bytes& block, bool offer_aes_gcm) {
  auto loop = std::move(EventLoop::Create().value());
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  Events events;
  std::unique_ptr<Session> session;
  std::deque<std::uint32_t> pending;
  bool ended = false;
  auto pump = [&] {
    while (!pending.empty() && session->writable()) {
      SHOAL_CHECK(
          session->SendResponse(pending.front(), wire::ResponseCode::kOk, block).has_value(),
          "send");
      pending.pop_front();
    }
  };
  events.established = [&] { SHOAL_CHECK(session->Send(wire::ClusterConfig{}).has_value(), "cc"); };
  events.request = [&](wire::Request request) {
    pending.push_back(request.request_id);
    pump();
  };
  events.writable = pump;
  events.end = [&](const SessionEndInfo&) { ended = true; };
  Dial(*loop, port, [&](UvHandle<uv_tcp_t> tcp) {
    session = std::move(Session::Start(*loop, std::move(tcp), alice, Role::kInitiator, Only(bob),
                                       events, Options("alice", offer_aes_gcm))
                            .value());
  });
  while (!ended) uv_run(loop->get(), UV_RUN_ONCE);
  session.reset();
  uv_run(loop->get(), UV_RUN_NOWAIT);
  SHOAL_CHECK(loop->Close().has_value(), "loop close");
}

struct Throughput {
  double mb_per_s = 0;       // 10^6 bytes per second, first Request to last byte
  double cpu_s_per_gib = 0;  // process CPU over the same span, per GiB moved
  NoiseCipher cipher = NoiseCipher::kChaChaPoly;  // what the session negotiated
};

// Receives `total` bytes of block data; both ends offer AESGCM or neither.
Throughput ThroughputRun(std::size_t total, const Bytes& block, bool offer_aes_gcm) {
  auto loop = std::move(EventLoop::Create().value());
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  Events events;
  std::unique_ptr<Session> session;
  std::size_t received = 0;
  bool ended = false;
  Clock::time_point start;
  double cpu_start = 0, cpu_used = 0;
  auto listener = std::make_unique<Listener>(*loop, [&](UvHandle<uv_tcp_t> tcp) {
    session = std::move(Session::Start(*loop, std::move(tcp), bob, Role::kResponder, Only(alice),
                                       events, Options("bob", offer_aes_gcm))
                            .value());
  });
  NoiseCipher cipher = NoiseCipher::kChaChaPoly;
  events.cluster_config = [&] {
    cipher = session->cipher().value();
    SHOAL_CHECK(session->Send(wire::ClusterConfig{}).has_value(), "cc");
    start = Clock::now();
    cpu_start = ProcessCpuSeconds();
    const auto blocks = static_cast<std::uint32_t>(total / block.size());
    for (std::uint32_t id = 0; id < blocks; ++id) {
      SHOAL_CHECK(session
                      ->Send(wire::Request{.request_id = id,
                                           .folder = "bench",
                                           .name = "data",
                                           .offset = std::int64_t{id} * std::int64_t(block.size()),
                                           .size = static_cast<std::uint32_t>(block.size()),
                                           .hash = {}})
                      .has_value(),
                  "request");
    }
  };
  Clock::time_point finish;
  events.response = [&](wire::Response response) {
    received += response.data.size();
    if (received == total) {
      finish = Clock::now();
      cpu_used = ProcessCpuSeconds() - cpu_start;
      session->Close();
    }
  };
  events.end = [&](const SessionEndInfo&) { ended = true; };
  std::thread sender(RunSender, listener->port(), std::cref(block), offer_aes_gcm);
  while (!ended) uv_run(loop->get(), UV_RUN_ONCE);
  sender.join();
  session.reset();
  listener.reset();
  uv_run(loop->get(), UV_RUN_NOWAIT);
  SHOAL_CHECK(loop->Close().has_value(), "loop close");
  const double seconds = std::chrono::duration<double>(finish - start).count();
  return {.mb_per_s = static_cast<double>(total) / seconds / 1e6,
          .cpu_s_per_gib = cpu_used / (static_cast<double>(total) / double(1 << 30)),
          .cipher = cipher};
}

// The ceiling: the AEAD alone (libsodium, as CipherState uses it) on
// full-size records, in MB per CPU-second of this thread.
double AeadMbPerCpuSecond(NoiseCipher which) {
  auto cipher = std::move(CipherState::WithKey(Bytes(32, 7), which).value());
  const Bytes record(wire::kMaxRecordSize, 1);
  Bytes out(wire::kMaxFrameBody);
  constexpr int kRecords = 4096;  // 256 MiB
  timespec start{}, end{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (int i = 0; i < kRecords; ++i) {
    SHOAL_CHECK(cipher.EncryptWithAdTo({}, record, out).has_value(), "encrypt");
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double seconds =
      double(end.tv_sec - start.tv_sec) + double(end.tv_nsec - start.tv_nsec) * 1e-9;
  return double(kRecords) * double(record.size()) / seconds / 1e6;
}

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "load average unknown";
  char text[64];
  std::snprintf(text, sizeof(text), "load average %.2f", load[0]);
  return text;
}

}  // namespace
}  // namespace shoal::net

int main(int argc, char** argv) {
  using namespace shoal::net;
  shoal::SetLogLevel(shoal::LogLevel::kWarning);
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const int handshakes = quick ? 50 : 300;
  const int runs = quick ? 3 : 5;

  std::vector<double> rates, handshake_cpu;
  for (int run = 0; run < runs; ++run) {
    const double cpu_before = ProcessCpuSeconds();
    rates.push_back(handshakes / HandshakeRun(handshakes));
    handshake_cpu.push_back((ProcessCpuSeconds() - cpu_before) / handshakes);
  }
  std::printf(
      "handshakes (XX + authorize + Hello, both ends in one loop): %.0f per second "
      "(median of %d runs of %d); CPU %.2f ms per handshake, both ends\n",
      Median(rates), runs, handshakes, Median(handshake_cpu) * 1e3);

  const std::size_t total = quick ? (std::size_t{128} << 20) : (std::size_t{1} << 30);
  const shoal::Bytes block = RandomData(shoal::kMaxBlockSize);
  // Runs alternate between the ciphers, so that both see the same load on
  // a shared machine.
  std::vector<double> speeds_of[2], cpu_of[2];
  NoiseCipher cipher_of[2] = {NoiseCipher::kChaChaPoly, NoiseCipher::kChaChaPoly};
  for (int run = 0; run < 3; ++run) {
    for (int aes = 0; aes < 2; ++aes) {
      const Throughput result = ThroughputRun(total, block, aes == 1);
      speeds_of[aes].push_back(result.mb_per_s);
      cpu_of[aes].push_back(result.cpu_s_per_gib);
      cipher_of[aes] = result.cipher;
    }
  }
  for (int aes = 0; aes < 2; ++aes) {
    const bool offer_aes_gcm = aes == 1;
    const std::vector<double>& speeds = speeds_of[aes];
    const std::vector<double>& cpu = cpu_of[aes];
    const NoiseCipher cipher = cipher_of[aes];
    const char* name = cipher == NoiseCipher::kAesGcm ? "AESGCM" : "ChaChaPoly";
    if (offer_aes_gcm && cipher != NoiseCipher::kAesGcm) {
      std::printf("AESGCM not available on this CPU (no AES-NI): the sessions below used %s\n",
                  name);
    }
    std::printf(
        "session throughput, %s (%zu MiB of incompressible 4 MiB blocks, two threads): "
        "%.0f MB/s (median of 3; runs %.0f / %.0f / %.0f; target >= 700 MB/s)\n",
        name, total >> 20, Median(speeds), speeds[0], speeds[1], speeds[2]);
    std::printf(
        "  CPU, both ends: %.2f s per GiB (median), i.e. %.0f MB per CPU-second; the machine "
        "is shared (%s), so wall-clock speed depends on what else runs\n",
        Median(cpu), double(1 << 30) / 1e6 / Median(cpu), LoadAverage().c_str());
    std::printf(
        "  ceiling: %s alone encrypts %.0f MB per CPU-second here; a session encrypts on one "
        "side and decrypts on the other\n",
        name, AeadMbPerCpuSecond(cipher));
  }
  return 0;
}
