// A relay allocation admits only the hosts its owner permits (TURN
// permissions). A paired device with no relay of its own dials the owner's
// relayed address from its router's public IP, which the owner learns from
// the discovery server: each device announces "seen://:PORT", the server
// fills in where the announcement came from, and the owner permits the IPs
// it finds for its paired devices (docs/protocol.md "Rendezvous").
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "tests/e2e/internet_world.h"

namespace shoal::e2e {

using testing::InternetTestbed;
using testing::Nat;

namespace {

// Both homes behind symmetric NATs with the discovery server; only alpha
// has a relay. Returns once alpha's allocation is up and both devices have
// announced (false where the testbed cannot be built).
bool BuildOneRelay(World& w) {
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric, /*rendezvous=*/true, RelayFor::kAlphaOnly)) {
    return false;
  }
  REQUIRE(Eventually([&] { return !RelayOf(*w.a).empty(); }));
  REQUIRE(Eventually([&] {
    return w.a->Status()["rendezvous"]["announced"] == true &&
           w.b->Status()["rendezvous"]["announced"] == true;
  }));
  return true;
}

// Pairs the two by ID, each told only the other's rendezvous ID (no
// address), and returns once alpha has permitted beta's router and beta got
// in through alpha's relay; prints how long that took.
void PairByRendezvousId(World& w) {
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  const std::string id_a = a.Status()["rendezvous"]["rendezvous_id"];
  const std::string id_b = b.Status()["rendezvous"]["rendezvous_id"];
  const auto paired = std::chrono::steady_clock::now();
  a.Json({"devices", "add", b.id(), "--name", "beta", "--address", "rendezvous://" + id_b});
  b.Json({"devices", "add", a.id(), "--name", "alpha", "--address", "rendezvous://" + id_a});

  // Alpha permits beta's router, as the discovery server saw it.
  bool permitted = Eventually([&] {
    auto relays = a.Status()["relays"];
    return !relays.empty() && relays[0].contains("permitted") &&
           relays[0]["permitted"] == nlohmann::json::array({InternetTestbed::kWanB});
  });
  INFO(a.Status()["relays"].dump());
  INFO(a.log());
  INFO(b.log());
  REQUIRE(permitted);
  // Beta dials alpha's relayed address straight from its home, and gets in.
  bool connected =
      Eventually([&] { return DeviceEntry(a, b)["connected"] == true; }, std::chrono::seconds(120));
  INFO(a.log());
  INFO(b.log());
  REQUIRE(connected);
  std::printf("no relay of its own: connected %.1f s after pairing by ID\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - paired).count());
}

}  // namespace

TEST_CASE(
    "a device with no relay of its own reaches a relayed one: the relay permits where the "
    "discovery server saw it",
    "[internet]") {
  World w;
  if (!BuildOneRelay(w)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  CHECK(b.Status()["relays"].empty());
  PairByRendezvousId(w);
  CHECK(DeviceEntry(a, b)["path"] == "relayed");
  CHECK(DeviceEntry(b, a)["path"] == "relayed");
  // Beta dialed both legs from its home; alpha's relay permits that host.
  CHECK(DeviceEntry(a, b)["legs"] == 2);
  CHECK(DeviceEntry(b, a)["legs"] == 2);
  ShareFolder(a, b, "docs");
  WriteFile(b.Path("from-beta.txt"), "sent by a device with no relay");
  WriteFile(a.Path("from-alpha.txt"), "sent through alpha's own relay");
  CHECK(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  CHECK(ReadFile(a.Path("from-beta.txt")) == "sent by a device with no relay");
}

TEST_CASE("a device with no relay whose public address changes is let in again at its new address",
          "[internet]") {
  World w;
  if (!BuildOneRelay(w)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  PairByRendezvousId(w);
  ShareFolder(a, b, "docs");
  WriteFile(a.Path("before.txt"), "before the move");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  // Beta's home gets a new public address. Alpha's relay permits only the
  // old one, so beta gets back in only once it has announced again from the
  // new address (it does when its session ends) and alpha has looked it up;
  // the 30-minute renewal would come far too late.
  const auto changed = std::chrono::steady_clock::now();
  const std::string moved = "198.51.100.4";
  REQUIRE(w.bed->ChangeWanAddress('B', moved).has_value());
  WriteFile(b.Path("after-b.txt"), "written by beta after the move");
  WriteFile(a.Path("after-a.txt"), "written by alpha after the move");
  // Alpha's side of the old connection stays up on the relay, so alpha
  // looks beta up only once its session has heard nothing for 90 s; beta's
  // next dial comes within its backoff (at most 60 s) after that.
  const double seconds = w.BackInSync(changed, std::chrono::seconds(240));
  std::printf("no relay of its own, new public address: in sync again %.1f s after the move\n",
              seconds);
  auto permitted = a.Status()["relays"][0]["permitted"];
  INFO(permitted.dump());
  CHECK(std::find(permitted.begin(), permitted.end(), moved) != permitted.end());
  CHECK(ReadFile(a.Path("after-b.txt")) == "written by beta after the move");
  CHECK(ReadFile(b.Path("after-a.txt")) == "written by alpha after the move");
}

TEST_CASE(
    "pair CODE from a device with no relay of its own: the inviter's relay lets the joiner in",
    "[internet]") {
  World w;
  if (!BuildOneRelay(w)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  const auto start = std::chrono::steady_clock::now();
  Pair(a, b, /*over_lan=*/true);  // the bare code: beta announces, alpha permits it
  // The first session goes through alpha's relay too: the joiner stays permitted.
  bool connected =
      Eventually([&] { return DeviceEntry(a, b)["connected"] == true; }, std::chrono::seconds(60));
  INFO(a.log());
  INFO(b.log());
  REQUIRE(connected);
  CHECK(DeviceEntry(b, a)["path"] == "relayed");
  ShareFolder(a, b, "docs");
  WriteFile(b.Path("joined.txt"), "from the device without a relay");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  std::printf("pair CODE without a joiner's relay: from `shoal pair` to the first file %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace shoal::e2e
