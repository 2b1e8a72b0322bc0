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
#include "core/base/uv_handle.h"
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

void AllocOne(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
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
UvHandle<uv_timer_t> StartGuard(uv_loop_t* loop) {
  auto guard = UvHandle<uv_timer_t>::Init(loop, uv_timer_init).value();
  uv_timer_start(
      guard.get(), [](uv_timer_t*) noexcept { _exit(10); }, 8000, 0);
  return guard;
}

// ---- namespace a: a listener that answers one byte, announced on the LAN.
struct Server {
  std::unique_ptr<Discovery> discovery;
  UvHandle<uv_tcp_t> listener;
  UvHandle<uv_tcp_t> client;
  UvHandle<uv_timer_t> guard;
  std::uint8_t byte = 0;
  bool answered = false;

  void Finish() {
    discovery.reset();
    client.reset();
    listener.reset();
    guard.reset();
  }
};

void OnServerRead(uv_stream_t* client, ssize_t nread, const uv_buf_t*) noexcept {
  auto* server = static_cast<Server*>(client->loop->data);
  if (nread == 0) return;
  if (nread != 1 || server->byte != kRequest) _exit(11);
  static std::uint8_t reply = kReply;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(&reply), 1);
  if (uv_try_write(client, &buf, 1) != 1) _exit(12);
  server->answered = true;
  server->Finish();
}

int RunServer(bool ipv6) {
  auto loop = EventLoop::Create();
  if (!loop) return 2;
  Server server;
  (*loop)->get()->data = &server;
  server.listener = UvHandle<uv_tcp_t>::Init((*loop)->get(), uv_tcp_init).value();
  sockaddr_in6 any{};
  uv_ip6_addr("::", 0, &any);  // dual stack: IPv4 peers arrive as ::ffff:a.b.c.d
  if (uv_tcp_bind(server.listener.get(), reinterpret_cast<sockaddr*>(&any), 0) != 0) return 3;
  int rc = uv_listen(server.listener.stream(), 4, [](uv_stream_t* listener, int status) noexcept {
    if (status != 0) _exit(13);
    auto* self = static_cast<Server*>(listener->loop->data);
    self->client = UvHandle<uv_tcp_t>::Init(listener->loop, uv_tcp_init).value();
    self->client->data = &self->byte;
    if (uv_accept(listener, self->client.stream()) != 0) _exit(14);
    uv_read_start(self->client.stream(), AllocOne, OnServerRead);
  });
  if (rc != 0) return 4;
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(server.listener.get(), reinterpret_cast<sockaddr*>(&bound), &len);
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
// A sighting is news once, so b retries the dial itself, as the peer
// manager will (an IPv6 link-local source stays tentative until DAD ends).
struct Client {
  std::unique_ptr<Discovery> discovery;
  UvHandle<uv_timer_t> guard;
  UvHandle<uv_timer_t> retry;
  UvHandle<uv_tcp_t> tcp;
  uv_connect_t connect{};
  sockaddr_storage target{};
  std::uint8_t byte = 0;
  std::string learnt;
  int attempts = 0;
  bool exchanged = false;

  void Finish() {
    exchanged = true;
    tcp.reset();
    guard.reset();
    retry.reset();
    discovery.reset();
  }
};

void Dial(Client& client);

void RetryLater(Client& client, int rc) {
  std::fprintf(stderr, "b: dial %s: %s; retrying\n", client.learnt.c_str(), uv_strerror(rc));
  client.tcp.reset();
  uv_timer_start(
      client.retry.get(), [](uv_timer_t* t) noexcept { Dial(*static_cast<Client*>(t->data)); }, 200,
      0);
}

// The stand-in for a session: connect, send kRequest, expect kReply. A real
// session (net/session) replaces this function and nothing else.
void Dial(Client& client) {
  ++client.attempts;
  client.tcp = UvHandle<uv_tcp_t>::Init(client.retry->loop, uv_tcp_init).value();
  client.tcp->data = &client.byte;
  client.connect.data = &client;
  int rc = uv_tcp_connect(
      &client.connect, client.tcp.get(), reinterpret_cast<const sockaddr*>(&client.target),
      [](uv_connect_t* req, int status) noexcept {
        auto* c = static_cast<Client*>(req->data);
        if (status == UV_ECANCELED) return;
        if (status != 0) return RetryLater(*c, status);
        static std::uint8_t request = kRequest;
        uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(&request), 1);
        if (uv_try_write(req->handle, &buf, 1) != 1) _exit(22);
        uv_read_start(req->handle, AllocOne,
                      [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) noexcept {
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
  client.retry = UvHandle<uv_timer_t>::Init(uv, uv_timer_init).value();
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
