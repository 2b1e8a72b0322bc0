// PeerManager dialing a device's addresses in order, on loopback: a round
// starts with the first address (the daemon lists the most recent LAN
// sighting first), and an address that leads elsewhere — someone else's
// key, a listener that never speaks, a connection dropped at once — costs
// one attempt before the next address is dialed (issue 15: one forged LAN
// announcement must not keep a device from its real peer).
#include <catch2/catch.hpp>
#include <memory>
#include <string>
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

TEST_CASE("a listener that never speaks costs one handshake timeout before the next address",
          "[peer]") {
  Fixture f;
  {
    Node a(*f.loop, 1, 11, 0, milliseconds(20), milliseconds(50), milliseconds(300));
    Node b(*f.loop, 2, 22);
    Pair(a, b);
    DeadEnd tarpit(*f.loop, /*keep=*/true);
    a.manager->SetAddresses(b.id(), {tarpit.address, b.address()});
    REQUIRE(RunUntil(*f.loop, [&] { return a.Connected(b); }));
    CHECK(tarpit.accepted == 1);
    CHECK(a.events.addresses[b.id()] == b.address());
    tarpit.held.clear();
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
