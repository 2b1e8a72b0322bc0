// PeerManager dialing a device's addresses in order, on loopback: a round
// starts with the first address (the daemon lists the most recent LAN
// sighting first), and an address that leads elsewhere — someone else's
// key, a connection dropped at once — costs one attempt before the next
// address is dialed (issue 15: one forged LAN announcement must not keep a
// device from its real peer); a listener that never speaks costs nothing,
// as the race goes on through the handshake (issue 14).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/peer/peer_manager.h"
#include "net/peer/tcp_listener.h"
#include "tests/net/peer/peer_manager_harness.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net {
namespace {

using std::chrono::milliseconds;
using testing::Fixture;
using testing::Node;
using testing::Pair;
using testing::RunFor;
using testing::RunUntil;

// A listener on 127.0.0.1 that counts connections and either drops each at
// once or keeps it open without ever sending a byte.
struct DeadEnd {
  DeadEnd(EventLoop& loop, bool keep) {
    auto started =
        TcpListener::Start(loop, "127.0.0.1", 0, [this, keep](UvHandle<uv_tcp_t> tcp, std::string) {
          ++accepted;
          if (keep) held.push_back(std::move(tcp));
        });
    REQUIRE(started.has_value());
    listener = std::move(*started);
    address = "127.0.0.1:" + std::to_string(listener->port());
  }
  std::unique_ptr<TcpListener> listener;
  std::vector<UvHandle<uv_tcp_t>> held;
  std::string address;
  int accepted = 0;
};

// A TCP forwarder on 127.0.0.1 to a local port that holds every chunk
// for `delay` before passing it on, both ways: a slow path to a real
// device. Blocking sockets on threads of its own, apart from the loop.
class DelayedForwarder {
 public:
  DelayedForwarder(int to_port, milliseconds delay) : to_port_(to_port), delay_(delay) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in local = Loopback(0);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    socklen_t length = sizeof(local);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&local), &length) == 0);
    address = "127.0.0.1:" + std::to_string(ntohs(local.sin_port));
    accept_thread_ = std::thread([this] { Accept(); });
  }
  ~DelayedForwarder() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    accept_thread_.join();
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (std::thread& t : pumps_) t.join();
    ::close(listen_fd_);
    for (int fd : fds_) ::close(fd);
  }

  std::string address;
  std::atomic<int> accepted{0};

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }
  void Accept() {
    while (!stop_) {
      const int in = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (in < 0) return;
      const int out = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target = Loopback(to_port_);
      if (out < 0 || ::connect(out, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
        ::close(in);
        if (out >= 0) ::close(out);
        continue;
      }
      ++accepted;
      fds_.push_back(in);
      fds_.push_back(out);
      pumps_.emplace_back([this, in, out] { Pump(in, out); });
      pumps_.emplace_back([this, in, out] { Pump(out, in); });
    }
  }
  void Pump(int from, int to) {
    char buffer[64 * 1024];
    for (;;) {
      const ssize_t got = ::read(from, buffer, sizeof(buffer));
      if (got <= 0) break;
      std::this_thread::sleep_for(delay_);
      for (ssize_t sent = 0; sent < got;) {
        const ssize_t wrote = ::send(to, buffer + sent, got - sent, MSG_NOSIGNAL);
        if (wrote <= 0) return;
        sent += wrote;
      }
    }
    ::shutdown(to, SHUT_WR);
  }

  const int to_port_;
  const milliseconds delay_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  // Added to by Accept only; read once its thread has been joined.
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
  std::thread accept_thread_;
};

}  // namespace

TEST_CASE("an address where another device answers is passed over for the next one", "[peer]") {
  Fixture f;
  {
    // c is a real device, even one a pairs with, at the address a was told
    // b is at: the handshake shows c's key, not b's.
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22), c(*f.loop, 3, 33);
    Pair(a, b);
    Pair(a, c);
    a.manager->SetAddresses(b.id(), {c.address(), b.address()});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    CHECK(a.events.addresses[b.id()] == b.address());
    CHECK(a.manager->Stats(b.id())->address == b.address());
    CHECK(a.manager->Stats(b.id())->last_error.find("answered") != std::string::npos);
    CHECK(a.events.ups[c.id()] == 0);  // never taken for c's session either
    CHECK(c.events.ups[a.id()] == 0);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
    c.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE(
    "a listener that never speaks does not hold up the next address: the race goes on "
    "through the handshake",
    "[peer]") {
  Fixture f;
  {
    // A handshake timeout longer than RunUntil waits: were the race to stop
    // at the tarpit's connect, a would reach b only after it.
    Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), milliseconds(60'000));
    Node b(*f.loop, 2, 22);
    Pair(a, b);
    DeadEnd tarpit(*f.loop, /*keep=*/true), second_tarpit(*f.loop, /*keep=*/true);
    a.manager->SetAddresses(b.id(), {tarpit.address, second_tarpit.address, b.address()});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    CHECK(tarpit.accepted == 1);
    CHECK(second_tarpit.accepted == 1);
    CHECK(a.events.addresses[b.id()] == b.address());
    CHECK(a.events.ups[b.id()] == 1);
    CHECK(b.events.ups[a.id()] == 1);
    // The handshakes still waiting at the tarpits were closed when b's
    // answered: a keeps only its session with b.
    REQUIRE(RunUntil(*f.loop, [&] { return a.manager->ConnectionCount() == 1; }));
    tarpit.held.clear();
    second_tarpit.held.clear();
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

// Two of a's addresses lead to b itself (a LAN address and a name for it,
// say) over slow paths, so their handshakes overlap: the first to
// authenticate b stops the other before b can authenticate it, and neither
// side sees a duplicate session or a session that comes and goes.
TEST_CASE("two addresses that both reach the device leave one session and no duplicate", "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    DelayedForwarder first(b.manager->listen_port(), milliseconds(500));
    DelayedForwarder second(b.manager->listen_port(), milliseconds(500));
    a.manager->SetAddresses(b.id(), {first.address, second.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b) && b.Connected(a); }));
    // The second dial joined the race 250 ms after the first, while the
    // first's handshake was still under way.
    CHECK(first.accepted.load() == 1);
    CHECK(second.accepted.load() == 1);
    // Either may win (a forwarder that reads the preamble and the first
    // message as two chunks holds them twice as long).
    const std::string won = a.events.addresses[b.id()];
    CHECK((won == first.address || won == second.address));
    RunFor(*f.loop, milliseconds(2500));  // whatever the second would do, it has done
    CHECK(a.events.ups[b.id()] == 1);
    CHECK(b.events.ups[a.id()] == 1);
    CHECK(a.events.downs[b.id()] == 0);
    CHECK(b.events.downs[a.id()] == 0);
    CHECK(a.manager->ConnectionCount() == 1);
    CHECK(b.manager->ConnectionCount() == 1);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

TEST_CASE("every dialing round starts with the first address", "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11), b(*f.loop, 2, 22);
    Pair(a, b);
    DeadEnd first(*f.loop, /*keep=*/false), last(*f.loop, /*keep=*/false);
    a.manager->SetAddresses(b.id(), {first.address, b.address(), last.address});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b); }));
    CHECK(first.accepted == 1);
    // The session ends; a dials again from the top of its list, not from
    // the address after the one that worked.
    b.manager->Forget(a.id());
    REQUIRE(RunUntil(*f.loop, [&] { return a.events.downs[b.id()] == 1; }));
    REQUIRE(RunUntil(*f.loop, [&] { return a.events.ups[b.id()] == 2; }));
    CHECK(first.accepted == 2);
    CHECK(last.accepted == 0);
    // The same list again leaves the session and the round alone.
    a.manager->SetAddresses(b.id(), {first.address, b.address(), last.address});
    RunFor(*f.loop, milliseconds(200));
    CHECK(first.accepted == 2);
    CHECK(a.events.ups[b.id()] == 2);
    a.Stop(*f.loop);
    b.Stop(*f.loop);
  }
  f.Close();
}

}  // namespace shoal::net
