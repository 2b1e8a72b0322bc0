// Across the internet (issue 14), in network namespaces
// (tests/support/internet_testbed.h): two homes behind NAT routers, a TURN
// relay (coturn) on the simulated internet, and real daemons in the homes.
// Needs root, nftables and coturn (packaging/install-deps.sh); where those
// are missing the tests say so (WARN) and pass without running.
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "net/wire/preamble.h"
#include "tests/e2e/internet_world.h"
#include "tests/support/net_namespaces.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
using testing::InternetTestbed;
using testing::Nat;

TEST_CASE("two devices behind symmetric NATs sync through a TURN relay, encrypted end to end",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  std::string relayed_a, relayed_b;
  REQUIRE(Eventually([&] {
    relayed_a = RelayOf(a);
    relayed_b = RelayOf(b);
    return !relayed_a.empty() && !relayed_b.empty();
  }));
  CHECK(relayed_a.rfind("relay://198.51.100.10:", 0) == 0);
  // The relay saw each device at its router's public address.
  CHECK(a.Status()["relays"][0]["public_address"].get<std::string>().rfind("198.51.100.1:", 0) ==
        0);
  // No secret in status.
  CHECK(a.Status().dump().find("test-secret") == std::string::npos);

  auto capture = shoal::testing::PacketCapture::Start(w.bed->inet(), InternetTestbed::kUplinkA,
                                                      w.dir.path().string() + "/capture.bin");
  REQUIRE(capture.has_value());

  // Paired by ID; beta knows only alpha's relayed address.
  a.Json({"devices", "add", b.id(), "--name", "beta"});
  b.Json({"devices", "add", a.id(), "--name", "alpha", "--address", relayed_a});
  bool connected = Eventually([&] { return DeviceEntry(a, b)["connected"] == true; });
  REQUIRE(connected);
  CHECK(DeviceEntry(a, b)["path"] == "relayed");
  CHECK(DeviceEntry(b, a)["path"] == "relayed");
  CHECK(b.Cli({"devices"}).out.find("(relayed)") != std::string::npos);
  CHECK(b.Cli({"status"}).out.find("reachable at " + relayed_b) != std::string::npos);
  // alpha learned beta's relayed address from its Hello and kept it.
  auto addresses = DeviceEntry(a, b)["addresses"];
  CHECK(std::find(addresses.begin(), addresses.end(), relayed_b) != addresses.end());

  ShareFolder(a, b, "docs");
  const std::string marker = Marker();
  WriteFile(a.Path("marker.txt"), marker);
  for (int i = 0; i < 50; ++i) WriteFile(a.Path("small/" + std::to_string(i)), std::to_string(i));
  bool same = Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); },
                         std::chrono::seconds(60));
  INFO(a.log());
  INFO(b.log());
  REQUIRE(same);
  CHECK(ReadFile(b.Path("marker.txt")) == marker);

  std::string wire = (*capture)->Stop();
  CHECK(wire.size() > marker.size());                               // the file crossed here, ...
  CHECK(wire.find("SHOAL-PLAINTEXT-MARKER") == std::string::npos);  // ... never in the clear

  // Symmetric NATs give each connection a new public port: the hole punch
  // (alpha offers: its ID is the larger one, or beta) fails, and the
  // session stays relayed, saying why.
  TestDevice& offerer = a.id() > b.id() ? a : b;
  TestDevice& other = a.id() > b.id() ? b : a;
  bool failed = Eventually(
      [&] {
        auto entry = DeviceEntry(offerer, other);
        return entry.contains("punch") && entry["punch"] != "punching" && entry["punch"] != "";
      },
      std::chrono::seconds(20));
  INFO(DeviceEntry(offerer, other).dump());
  REQUIRE(failed);
  CHECK(DeviceEntry(offerer, other)["punch"].get<std::string>().find("punch") != std::string::npos);
  CHECK(DeviceEntry(a, b)["path"] == "relayed");
  CHECK(DeviceEntry(b, a)["path"] == "relayed");
}

TEST_CASE("without a relay, devices behind symmetric NATs show as unreachable and why",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric, /*rendezvous=*/false, RelayFor::kNone)) {
    return;
  }
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  // Each knows the other's router and listening port, which no router forwards.
  a.Json({"devices", "add", b.id(), "--name", "beta", "--address",
          std::string(InternetTestbed::kWanB) + ":" + std::to_string(b.port())});
  b.Json({"devices", "add", a.id(), "--name", "alpha", "--address",
          std::string(InternetTestbed::kWanA) + ":" + std::to_string(a.port())});
  bool explained = Eventually([&] { return DeviceEntry(a, b).contains("unreachable"); });
  INFO(DeviceEntry(a, b).dump());
  REQUIRE(explained);
  const std::string why = DeviceEntry(a, b)["unreachable"];
  CHECK_THAT(why, Catch::Contains("do not answer"));
  CHECK_THAT(why, Catch::Contains("shoal internet set --relay"));
  CHECK(DeviceEntry(a, b)["connected"] == false);
  CHECK_THAT(a.Cli({"devices"}).out, Catch::Contains("shoal internet set --relay"));
  CHECK_THAT(a.Cli({"status"}).out, Catch::Contains("shoal internet set --relay"));
}

TEST_CASE("behind port-preserving NATs devices meet relayed, then punch a hole within 15 s",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kPortPreserving, Nat::kPortPreserving)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairThroughRelay();
  const auto relayed_at = std::chrono::steady_clock::now();
  bool punched = Eventually(
      [&] {
        return DeviceEntry(a, b)["path"] == "punched" && DeviceEntry(b, a)["path"] == "punched";
      },
      std::chrono::seconds(15));
  INFO(a.log());
  INFO(b.log());
  REQUIRE(punched);
  std::printf("hole punch: punched %.1f s after the relayed session came up\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - relayed_at).count());
  // Relayed first: the only address anyone typed was the relayed one.
  CHECK(b.log().find("connected (to relay://") != std::string::npos);
  // Each sees the other's router (at the port of the round's socket at
  // home: these NATs keep ports).
  CHECK(DeviceEntry(a, b)["address"].get<std::string>().rfind(
            "punch://" + std::string(InternetTestbed::kWanB) + ":", 0) == 0);
  CHECK(DeviceEntry(b, a)["address"].get<std::string>().rfind(
            "punch://" + std::string(InternetTestbed::kWanA) + ":", 0) == 0);
  CHECK(DeviceEntry(a, b)["punch"] == "punched");
  CHECK(b.Cli({"devices"}).out.find("(punched)") != std::string::npos);

  // The file goes straight from router to router, and encrypted.
  auto capture = shoal::testing::PacketCapture::Start(
      w.bed->inet(), InternetTestbed::kUplinkA, w.dir.path().string() + "/capture.bin",
      shoal::testing::PacketCapture::Between{InternetTestbed::kWanA, InternetTestbed::kWanB});
  REQUIRE(capture.has_value());
  ShareFolder(a, b, "docs");
  const std::string marker = Marker();
  WriteFile(a.Path("marker.txt"), marker);
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); },
                     std::chrono::seconds(60)));
  CHECK(ReadFile(b.Path("marker.txt")) == marker);
  std::string wire = (*capture)->Stop();
  CHECK(wire.size() > marker.size());
  CHECK(wire.find("SHOAL-PLAINTEXT-MARKER") == std::string::npos);
  CHECK(DeviceEntry(a, b)["path"] == "punched");
}

TEST_CASE("a stranger on the internet who dials a relayed address gets nothing", "[internet]") {
  World w;
  if (!w.Build(Nat::kPortPreserving, Nat::kPortPreserving)) return;
  std::string relayed;
  REQUIRE(Eventually([&] { return !(relayed = RelayOf(*w.a)).empty(); }));
  const std::string host_port = relayed.substr(std::string("relay://").size());
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  const int port = std::stoi(host_port.substr(host_port.rfind(':') + 1));
  // From the attacker's namespace: connect, send a valid Shoal preamble and
  // read. Had the connection reached alpha, its responder would answer with
  // its own preamble (8 bytes); the relay has no permission for this
  // address, so no byte comes.
  const auto preamble = net::wire::EncodePreamble({});
  auto child = testing::NamespacePair::RunIn(w.bed->attacker(), [&]() -> int {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &to.sin_addr);
    timeval timeout{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 0;  // refused
    (void)!::write(fd, preamble.data(), preamble.size());
    char buffer[256];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    return n > 0 ? 1 : 0;  // 0: reset, closed or silent
  });
  REQUIRE(child.has_value());
  CHECK(testing::WaitForChildren({*child}, std::chrono::seconds(20)).front() == 0);
  // And alpha stays healthy, its allocation up.
  CHECK(!RelayOf(*w.a).empty());
}

TEST_CASE("an attacker who dials a relayed address through its own allocation gets no data",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairThroughRelay();
  ShareFolder(a, b, "docs");
  WriteFile(a.Path("secret.txt"), "for beta's eyes only");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  // Mallory runs Shoal on the internet with an allocation on the same relay
  // (so the relay lets her connection through), knows alpha's device ID and
  // relayed address, and claims alpha as paired.
  TestDevice mallory(w.dir.path().string(), "mallory", w.bed->attacker());
  mallory.set_daemon_args({"--relay", w.relay->Url()});
  mallory.Start();
  REQUIRE(Eventually([&] { return !RelayOf(mallory).empty(); }));
  mallory.Json({"devices", "add", a.id(), "--name", "alpha", "--address", RelayOf(a)});
  // Her dials reach alpha through the relay, and alpha refuses her in the
  // handshake: she is not paired.
  bool refused = Eventually([&] { return a.log().find("is not paired") != std::string::npos; },
                            std::chrono::seconds(20));
  INFO(mallory.log());
  REQUIRE(refused);
  auto entry = DeviceEntry(mallory, a);
  CHECK(entry["connected"] == false);
  CHECK(entry["index_entries_in"] == 0);
  // Her side reads alpha's Close ("is not paired") or, when the reset
  // overtakes it, a reset: either way the session never opened.
  CHECK_FALSE(entry.value("last_error", "").empty());
  CHECK_FALSE(std::filesystem::exists(mallory.sync_dir() + "/secret.txt"));
  // And beta stays connected to alpha throughout.
  CHECK(DeviceEntry(a, b)["connected"] == true);
}

TEST_CASE("after the relay restarts, devices find each other again through rendezvous",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric, /*rendezvous=*/true)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  std::string relayed_a;
  REQUIRE(Eventually([&] { return !(relayed_a = RelayOf(a)).empty() && !RelayOf(b).empty(); }));
  REQUIRE(Eventually([&] { return a.Status()["rendezvous"]["announced"] == true; }));
  a.Json({"devices", "add", b.id(), "--name", "beta"});
  b.Json({"devices", "add", a.id(), "--name", "alpha", "--address", relayed_a});
  REQUIRE(Eventually([&] { return DeviceEntry(a, b)["connected"] == true; }));
  // Each learned the other's rendezvous ID from its Hello.
  auto has_rendezvous = [](const nlohmann::json& entry) {
    for (const auto& address : entry["addresses"]) {
      if (address.get<std::string>().rfind("rendezvous://", 0) == 0) return true;
    }
    return false;
  };
  REQUIRE(Eventually([&] { return has_rendezvous(DeviceEntry(b, a)); }));
  CHECK(has_rendezvous(DeviceEntry(a, b)));
  ShareFolder(a, b, "docs");
  WriteFile(a.Path("before.txt"), "written before the relay restarted");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));

  // The relay restarts: every session and allocation through it is gone,
  // and both devices get new relayed addresses that nobody typed anywhere.
  w.relay->Stop();
  REQUIRE(Eventually([&] { return DeviceEntry(a, b)["connected"] == false; }));
  WriteFile(a.Path("during.txt"), "written while the relay was down");
  auto down = std::chrono::steady_clock::now();
  REQUIRE(w.relay->Restart().has_value());
  bool back =
      Eventually([&] { return DeviceEntry(a, b)["connected"] == true; }, std::chrono::seconds(90));
  INFO(a.log());
  INFO(b.log());
  REQUIRE(back);
  std::printf("relay restart: reconnected %.1f s after the relay came back\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - down).count());
  CHECK(DeviceEntry(a, b)["path"] == "relayed");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  CHECK(ReadFile(b.Path("during.txt")) == "written while the relay was down");
}

TEST_CASE("pair CODE across two NATs pairs with no address typed, and the folder syncs",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kPortPreserving, Nat::kSymmetric, /*rendezvous=*/true)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  REQUIRE(Eventually([&] { return !RelayOf(a).empty() && !RelayOf(b).empty(); }));
  auto start = std::chrono::steady_clock::now();
  Pair(a, b, /*over_lan=*/true);  // the bare code: no LAN joins these homes
  REQUIRE(Eventually([&] { return DeviceEntry(a, b)["connected"] == true; }));
  CHECK(DeviceEntry(a, b)["path"] == "relayed");
  ShareFolder(a, b, "docs");
  WriteFile(a.Path("first.txt"), "the first file");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  std::printf("pair across NATs: from `shoal pair` to the first file on the other side %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

TEST_CASE("when a home's public address changes mid-sync the devices reconnect", "[internet]") {
  World w;
  if (!w.Build(Nat::kPortPreserving, Nat::kPortPreserving, /*rendezvous=*/true)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairPunchedAndShare();
  const std::string before(8u << 20, 'b');
  WriteFile(a.Path("before.bin"), before);
  // Mid-sync: the new address comes while the file is crossing. Nothing
  // resets the old connections (the other router drops what comes from the
  // new address unasked), so each side must notice by itself: unacknowledged
  // data (20 s), and a quiet session replaced when the device dials again.
  // Waiting out the 90 s idle timeout instead took 94 s here.
  const auto changed = std::chrono::steady_clock::now();
  REQUIRE(w.bed->ChangeWanAddress('A', "198.51.100.3").has_value());
  WriteFile(a.Path("during.txt"), "written after the address changed");
  const double seconds = w.BackInSync(changed, std::chrono::seconds(60));
  std::printf("address change: in sync again %.1f s after the new address (path %s)\n", seconds,
              DeviceEntry(a, b)["path"].get<std::string>().c_str());
  CHECK(ReadFile(b.Path("during.txt")) == "written after the address changed");
  CHECK(ReadFile(b.Path("before.bin")) == before);
  // alpha's relay sees it at the new address, and the two punch again.
  CHECK(a.Status()["relays"][0]["public_address"].get<std::string>().rfind("198.51.100.3:", 0) ==
        0);
  bool punched =
      Eventually([&] { return DeviceEntry(b, a)["path"] == "punched"; }, std::chrono::seconds(30));
  CHECK(punched);
  CHECK(DeviceEntry(b, a)["address"].get<std::string>().rfind("punch://198.51.100.3:", 0) == 0);
}

TEST_CASE("when a router silently forgets its NAT mappings the devices notice and reconnect",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kPortPreserving, Nat::kPortPreserving, /*rendezvous=*/true)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairPunchedAndShare();
  WriteFile(a.Path("before.txt"), "before");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  const auto lost = std::chrono::steady_clock::now();
  REQUIRE(w.bed->DropMappings('A').has_value());
  WriteFile(a.Path("after.txt"), "written after the mappings were lost");
  const double seconds = w.BackInSync(lost, std::chrono::seconds(75));
  std::printf("silent mapping loss: in sync again %.1f s after the router forgot (path %s)\n",
              seconds, DeviceEntry(a, b)["path"].get<std::string>().c_str());
  CHECK(ReadFile(b.Path("after.txt")) == "written after the mappings were lost");
}

TEST_CASE("a router with UPnP and NAT-PMP maps the port: paired by code and synced directly",
          "[internet]") {
  World w;
  if (!w.Build(Nat::kUpnp, Nat::kPortPreserving, /*rendezvous=*/true, RelayFor::kNone)) {
    return;
  }
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  const std::string mapped =
      "tcp://" + std::string(InternetTestbed::kUpnpWan) + ":" + std::to_string(a.port());
  bool is_mapped = Eventually([&] { return a.Status()["port_mapping"]["state"] == "mapped"; });
  INFO(a.Status()["port_mapping"].dump());
  REQUIRE(is_mapped);
  CHECK(a.Status()["port_mapping"]["external"] == mapped);
  CHECK(a.Status()["port_mapping"]["protocol"] == "NAT-PMP");
  CHECK_THAT(w.bed->UpnpRules(),
             Catch::Contains("dnat ip to 10.0.1.2:" + std::to_string(a.port())));
  CHECK_THAT(a.Cli({"internet"}).out, Catch::Contains("port mapping: mapped " + mapped));
  // No relay anywhere: beta finds alpha's mapped port on the discovery
  // server from the invite code alone and dials it.
  Pair(a, b, /*over_lan=*/true);
  REQUIRE(Eventually([&] { return DeviceEntry(b, a)["connected"] == true; }));
  CHECK(DeviceEntry(b, a)["path"] == "direct");
  CHECK(DeviceEntry(b, a)["address"] == mapped);
  ShareFolder(a, b, "docs");
  WriteFile(a.Path("mapped.txt"), "through the router's port forward");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); }));
  // Turned off while running, the forward goes at once; on again, it is back.
  CHECK(a.Cli({"internet", "set", "--port-mapping", "off"}).exit_code == 0);
  CHECK(a.Status()["port_mapping"]["state"] == "off");
  // (the delete runs off the loop, a moment later)
  CHECK(Eventually([&] { return w.bed->UpnpRules().find("dnat") == std::string::npos; }));
  CHECK(a.Cli({"internet", "set", "--port-mapping", "on"}).exit_code == 0);
  CHECK(Eventually([&] { return a.Status()["port_mapping"]["state"] == "mapped"; }));
  CHECK_THAT(w.bed->UpnpRules(), Catch::Contains("dnat"));
  // alpha's shutdown deletes the mapping on the router.
  a.Stop();
  CHECK_THAT(w.bed->UpnpRules(), !Catch::Contains("dnat"));
}

TEST_CASE(
    "behind a carrier-grade NAT port mapping reports a double NAT and nothing mapped is "
    "announced and the folder syncs",
    "[internet]") {
  World w;
  if (!w.Build(Nat::kUpnpCgnat, Nat::kPortPreserving)) return;
  TestDevice& a = *w.a;
  // Two NATs deep: the relay sees alpha at the carrier's address, not at
  // its router's.
  bool learned = Eventually([&] {
    auto relays = a.Status()["relays"];
    return !relays.empty() && relays[0].contains("public_address");
  });
  INFO(a.Status()["relays"].dump());
  REQUIRE(learned);
  CHECK_THAT(a.Status()["relays"][0]["public_address"].get<std::string>(),
             Catch::StartsWith(std::string(InternetTestbed::kWanA) + ":"));
  bool reported = Eventually([&] { return a.Status()["port_mapping"]["state"] == "double NAT"; });
  INFO(a.Status()["port_mapping"].dump());
  REQUIRE(reported);
  CHECK_THAT(a.Status()["port_mapping"]["error"].get<std::string>(),
             Catch::Contains("behind another NAT"));
  CHECK_THAT(a.Cli({"status"}).out, Catch::Contains("Port mapping: double NAT"));
  CHECK_FALSE(a.Status()["port_mapping"].contains("external"));
  CHECK_THAT(w.bed->UpnpRules(), !Catch::Contains("dnat"));
  // Nothing mapped is announced: beta reaches alpha through the relay, or
  // through a hole punched across both NATs (the carrier's NAT here keeps
  // ports, so a punch may win within a second), never through a forward.
  w.PairThroughRelay();
  const std::string path = DeviceEntry(*w.b, a)["path"].get<std::string>();
  CHECK((path == "relayed" || path == "punched"));
  const nlohmann::json entry = DeviceEntry(*w.b, a);  // kept: the loop refers into it
  for (const auto& address : entry["addresses"]) {
    CHECK(address.get<std::string>().rfind("tcp://", 0) != 0);
  }
  ShareFolder(a, *w.b, "docs");
  WriteFile(a.Path("two-nats-deep.txt"), "across a carrier-grade NAT");
  CHECK(Eventually([&] { return Tree(a.sync_dir()) == Tree(w.b->sync_dir()); }));
}

// Not a test: prints how fast a file crosses the simulated internet on one
// path class. Run with
//   build/tests/e2e/shoal_e2e_tests "[relay-bench]"
// SHOAL_BENCH_PATH: relayed (default: symmetric NATs, through coturn),
// punched (port-preserving NATs, after the hole punch) or direct (beta's
// router forwards its port); SHOAL_RELAY_BENCH_MIB: size, default 512.
TEST_CASE("throughput across the simulated internet", "[.][relay-bench]") {
  const char* path_env = std::getenv("SHOAL_BENCH_PATH");
  const std::string path = path_env != nullptr ? path_env : "relayed";
  World w;
  if (!w.Build(path == "punched" ? Nat::kPortPreserving : Nat::kSymmetric,
               path == "punched" ? Nat::kPortPreserving : Nat::kSymmetric)) {
    return;
  }
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  std::string relayed_a;
  REQUIRE(Eventually([&] { return !(relayed_a = RelayOf(a)).empty() && !RelayOf(b).empty(); }));
  if (path == "direct") {
    REQUIRE(w.bed->ForwardPort('B', b.port()).has_value());
    a.Json({"devices", "add", b.id(), "--name", "beta", "--address",
            std::string(InternetTestbed::kWanB) + ":" + std::to_string(b.port())});
    b.Json({"devices", "add", a.id(), "--name", "alpha"});
  } else {
    a.Json({"devices", "add", b.id(), "--name", "beta"});
    b.Json({"devices", "add", a.id(), "--name", "alpha", "--address", relayed_a});
  }
  REQUIRE(Eventually(
      [&] {
        auto entry = DeviceEntry(a, b);
        return entry["connected"] == true && entry["path"] == path;
      },
      std::chrono::seconds(30)));
  ShareFolder(a, b, "bench");
  const char* env = std::getenv("SHOAL_RELAY_BENCH_MIB");
  const std::size_t mib = env != nullptr ? std::stoul(env) : 512;
  const std::string data = RandomData(mib << 20, 7);
  WriteFile(w.dir.path().string() + "/staged", data);
  auto start = std::chrono::steady_clock::now();
  std::filesystem::rename(w.dir.path().string() + "/staged", a.Path("big.bin"));
  REQUIRE(Eventually(
      [&] {
        std::error_code ec;
        return std::filesystem::file_size(b.Path("big.bin"), ec) == data.size() && !ec;
      },
      std::chrono::seconds(600)));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(ReadFile(b.Path("big.bin")) == data);
  std::printf(
      "relay-bench: %zu MiB in %.2f s: %.0f MB/s (scan, sync and fsync included; path %s, legs "
      "%s)\n",
      mib, seconds, double(data.size()) / seconds / 1e6,
      DeviceEntry(a, b)["path"].get<std::string>().c_str(),
      DeviceEntry(a, b)["legs"].dump().c_str());
}

}  // namespace shoal::e2e
