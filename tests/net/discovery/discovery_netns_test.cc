// End to end over a real (virtual) LAN: two network namespaces joined by a
// veth pair (tests/support/net_namespaces.h). In namespace a, a TCP listener
// and a Discovery announcing its port with the default discovery port and
// group, interface enumeration included; in namespace b, a Discovery that, on
// hearing a, connects to the announced address and port and exchanges a
// byte. Run once over IPv4 broadcast only and once over IPv6 multicast only.
//
// Needs root; where namespaces cannot be created the test says so (WARN) and
// passes. Any failure after that is a failure.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "core/base/scoped_fd.h"
#include "net/discovery/discovery.h"
#include "tests/support/net_namespaces.h"

namespace shoal::net {
namespace {

using namespace std::chrono_literals;
using testing::NamespacePair;

constexpr std::uint8_t kRequest = 0x42;
constexpr std::uint8_t kReply = 0x43;

const DeviceId kDeviceA(DeviceId::Key{0xaa, 0xaa, 0xaa, 0xaa});
const DeviceId kDeviceB(DeviceId::Key{0xbb, 0xbb, 0xbb, 0xbb});

template <typename Handle>
void CloseAndFree(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
}

void AllocOne(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(static_cast<char*>(h->data), 1);
}

DiscoveryOptions Options(bool ipv6) {
  DiscoveryOptions options;  // default port and group: a namespace is a LAN of its own
  options.interval = 200ms;  // the first IPv6 sends fail until DAD ends on the veth
  options.ipv4 = !ipv6;
  options.ipv6 = ipv6;
  return options;
}

// Ends the child's loop with `code` after 8 s, inside the parent's 10 s.
uv_timer_t* StartGuard(uv_loop_t* loop) {
  auto* guard = new uv_timer_t;
  uv_timer_init(loop, guard);
  uv_timer_start(
      guard, [](uv_timer_t*) { _exit(10); }, 8000, 0);
  return guard;
}

// ---- namespace a: a listener that answers one byte, announced on the LAN.
struct Server {
  std::unique_ptr<Discovery> discovery;
  uv_tcp_t* listener = nullptr;
  uv_timer_t* guard = nullptr;
  std::uint8_t byte = 0;
  bool answered = false;

  void Finish() {
    discovery.reset();
    CloseAndFree(listener);
    CloseAndFree(guard);
  }
};

void OnServerRead(uv_stream_t* client, ssize_t nread, const uv_buf_t*) {
  auto* server = static_cast<Server*>(client->loop->data);
  if (nread == 0) return;
  if (nread != 1 || server->byte != kRequest) _exit(11);
  static std::uint8_t reply = kReply;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(&reply), 1);
  if (uv_try_write(client, &buf, 1) != 1) _exit(12);
  server->answered = true;
  CloseAndFree(reinterpret_cast<uv_tcp_t*>(client));
  server->Finish();
}

int RunServer(bool ipv6) {
  auto loop = EventLoop::Create();
  if (!loop) return 2;
  Server server;
  (*loop)->get()->data = &server;
  server.listener = new uv_tcp_t;
  uv_tcp_init((*loop)->get(), server.listener);
  sockaddr_in6 any{};
  uv_ip6_addr("::", 0, &any);  // dual stack: IPv4 peers arrive as ::ffff:a.b.c.d
  if (uv_tcp_bind(server.listener, reinterpret_cast<sockaddr*>(&any), 0) != 0) return 3;
  int rc = uv_listen(
      reinterpret_cast<uv_stream_t*>(server.listener), 4, [](uv_stream_t* listener, int status) {
        if (status != 0) _exit(13);
        auto* client = new uv_tcp_t;
        uv_tcp_init(listener->loop, client);
        client->data = &static_cast<Server*>(listener->loop->data)->byte;
        if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(client)) != 0) _exit(14);
        uv_read_start(reinterpret_cast<uv_stream_t*>(client), AllocOne, OnServerRead);
      });
  if (rc != 0) return 4;
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(server.listener, reinterpret_cast<sockaddr*>(&bound), &len);
  auto port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  auto instance = NewInstanceId();
  if (!instance) return 5;
  auto discovery =
      Discovery::Start(**loop, Options(ipv6), Announcement{kDeviceA, *instance, port, std::nullopt},
                       [](const Sighting&) {});
  if (!discovery) return 6;
  server.discovery = std::move(*discovery);
  server.guard = StartGuard((*loop)->get());
  (*loop)->Run();
  if (!server.answered) return 7;
  return (*loop)->Close() ? 0 : 8;
}

// ---- namespace b: listens for a, then dials what it heard.
// A sighting is reported once, so b retries the dial itself, as the peer
// manager will (an IPv6 link-local source stays tentative until DAD ends).
struct Client {
  std::unique_ptr<Discovery> discovery;
  uv_timer_t* guard = nullptr;
  uv_timer_t* retry = nullptr;
  uv_tcp_t* tcp = nullptr;
  uv_connect_t connect{};
  sockaddr_storage target{};
  std::uint8_t byte = 0;
  std::string learnt;
  int attempts = 0;
  bool exchanged = false;

  void Finish() {
    exchanged = true;
    CloseAndFree(tcp);
    CloseAndFree(guard);
    CloseAndFree(retry);
    discovery.reset();
  }
};

void Dial(Client& client);

void RetryLater(Client& client, int rc) {
  std::fprintf(stderr, "b: dial %s: %s; retrying\n", client.learnt.c_str(), uv_strerror(rc));
  CloseAndFree(client.tcp);
  client.tcp = nullptr;
  uv_timer_start(
      client.retry, [](uv_timer_t* t) { Dial(*static_cast<Client*>(t->data)); }, 200, 0);
}

// The stand-in for a session: connect, send kRequest, expect kReply. A real
// session (net/session) replaces this function and nothing else.
void Dial(Client& client) {
  ++client.attempts;
  client.tcp = new uv_tcp_t;
  uv_tcp_init(client.retry->loop, client.tcp);
  client.tcp->data = &client.byte;
  client.connect.data = &client;
  int rc = uv_tcp_connect(
      &client.connect, client.tcp, reinterpret_cast<const sockaddr*>(&client.target),
      [](uv_connect_t* req, int status) {
        auto* c = static_cast<Client*>(req->data);
        if (status == UV_ECANCELED) return;
        if (status != 0) return RetryLater(*c, status);
        static std::uint8_t request = kRequest;
        uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(&request), 1);
        if (uv_try_write(req->handle, &buf, 1) != 1) _exit(22);
        uv_read_start(req->handle, AllocOne, [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
          auto* c2 = static_cast<Client*>(s->loop->data);
          if (nread == 0) return;
          if (nread != 1 || c2->byte != kReply) _exit(23);
          c2->Finish();
        });
      });
  if (rc != 0) RetryLater(client, rc);
}

int RunClient(bool ipv6, int report_fd) {
  auto loop = EventLoop::Create();
  if (!loop) return 2;
  Client client;
  uv_loop_t* uv = (*loop)->get();
  uv->data = &client;
  client.retry = new uv_timer_t;
  uv_timer_init(uv, client.retry);
  client.retry->data = &client;
  auto instance = NewInstanceId();
  if (!instance) return 5;
  auto discovery = Discovery::Start(
      **loop, Options(ipv6), Announcement{kDeviceB, *instance, 1, std::nullopt},
      [&](const Sighting& s) {
        if (s.announcement.device != kDeviceA || !client.learnt.empty()) return;
        client.learnt = s.ip + " port " + std::to_string(s.announcement.listen_port);
        client.target = s.address;
        Dial(client);
      });
  if (!discovery) return 6;
  client.discovery = std::move(*discovery);
  client.guard = StartGuard(uv);
  (*loop)->Run();
  if (!client.exchanged) return 7;
  std::string report = "b learnt a at " + client.learnt + " and exchanged a byte (" +
                       std::to_string(client.attempts) + " dial(s))";
  if (write(report_fd, report.data(), report.size()) != static_cast<ssize_t>(report.size()))
    return 9;
  return (*loop)->Close() ? 0 : 8;
}

void RunScenario(bool ipv6) {
  auto pair = NamespacePair::Create();
  if (!pair && pair.error().code == ErrorCode::kUnauthorized) {
    WARN("SKIPPED: cannot create network namespaces here (" << pair.error().message
                                                            << "); needs root and iproute2");
    SUCCEED();
    return;
  }
  REQUIRE(pair);
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  ScopedFd read_end(fds[0]), write_end(fds[1]);
  auto a = NamespacePair::RunIn((*pair)->a(), [&] { return RunServer(ipv6); });
  REQUIRE(a);
  auto b = NamespacePair::RunIn((*pair)->b(), [&] { return RunClient(ipv6, write_end.get()); });
  if (!b) testing::WaitForChildren({*a}, 0ms);  // kill a before failing
  REQUIRE(b);
  write_end = ScopedFd();
  auto codes = testing::WaitForChildren({*a, *b}, 10s);
  std::string report(256, '\0');
  ssize_t n = read(read_end.get(), report.data(), report.size());
  report.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  INFO("exit codes: a=" << codes[0] << " b=" << codes[1] << " (-1 = killed at the deadline)");
  CHECK(codes[0] == 0);
  CHECK(codes[1] == 0);
  INFO(report);
  CHECK_THAT(report, Catch::StartsWith("b learnt a at "));
  if (ipv6) {
    CHECK_THAT(report, Catch::Contains("fe80::"));
  } else {
    CHECK_THAT(report, Catch::Contains(NamespacePair::kAddressA));
  }
  WARN(report);  // shown in the test log: what b learnt, for humans
}

}  // namespace

TEST_CASE("over IPv4 broadcast, device b learns a's address from a veth LAN and connects",
          "[discovery][netns]") {
  RunScenario(false);
}

TEST_CASE("over IPv6 multicast, device b learns a's link-local address and connects",
          "[discovery][netns]") {
  RunScenario(true);
}

}  // namespace shoal::net
