#include "tests/e2e/internet_world.h"

#include <cstring>
#include <random>

namespace shoal::e2e {

using testing::InternetTestbed;
using testing::Nat;

std::string RandomData(std::size_t size, std::uint64_t seed) {
  std::string data(size, '\0');
  std::mt19937_64 random(seed);
  for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
    std::uint64_t v = random();
    std::memcpy(&data[i], &v, 8);
  }
  return data;
}

std::string Marker() {
  std::mt19937 random(14);
  std::string out;
  while (out.size() < (1u << 20)) {
    out += "SHOAL-PLAINTEXT-MARKER";
    while (out.size() % 4096 != 0) out += static_cast<char>(random());
  }
  return out;
}

std::string RelayOf(const TestDevice& device) {
  auto relays = device.Status()["relays"];
  if (relays.empty() || !relays[0].contains("relayed")) return {};
  return relays[0]["relayed"].get<std::string>();
}

nlohmann::json DeviceEntry(const TestDevice& on, const TestDevice& peer) {
  const nlohmann::json devices = on.Json({"devices"});  // kept: the loop refers into it
  for (const auto& d : devices["devices"]) {
    if (d["id"] == peer.id()) return d;
  }
  return {};
}

bool World::Build(Nat nat_a, Nat nat_b, bool rendezvous, RelayFor relays) {
  auto made = InternetTestbed::Create(nat_a, nat_b);
  if (!made && made.error().code == ErrorCode::kUnauthorized) {
    WARN("skipped: " << made.error().message);
    return false;
  }
  INFO((made ? std::string() : made.error().message));
  REQUIRE(made.has_value());
  bed = std::move(*made);
  shoal::testing::CoturnOptions coturn;
  coturn.netns = bed->inet();
  coturn.address = InternetTestbed::kRelayAddress;
  coturn.port = 3478;
  coturn.allow_loopback_peers = false;
  coturn.dir = dir.path().string();
  std::vector<std::string> args_a, args_b;
  if (relays != RelayFor::kNone) {
    if (!Started(shoal::testing::CoturnProcess::Start(coturn), relay)) return false;
    args_a = {"--relay", relay->Url()};
    if (relays == RelayFor::kBoth) args_b = args_a;
  }
  if (rendezvous) {
    shoal::testing::DiscosrvOptions options;
    options.netns = bed->inet();
    options.address = InternetTestbed::kRelayAddress;
    options.dir = dir.path().string();
    if (!Started(shoal::testing::DiscosrvProcess::Start(options), discovery)) return false;
    for (auto* args : {&args_a, &args_b})
      args->insert(args->end(), {"--discovery", discovery->Url()});
  }
  a = std::make_unique<TestDevice>(dir.path().string(), "alpha", bed->home_a());
  b = std::make_unique<TestDevice>(dir.path().string(), "beta", bed->home_b());
  a->set_daemon_args(args_a);
  b->set_daemon_args(args_b);
  a->Start();
  b->Start();
  return true;
}

void World::PairThroughRelay() {
  std::string relayed_a;
  REQUIRE(Eventually([&] { return !(relayed_a = RelayOf(*a)).empty() && !RelayOf(*b).empty(); }));
  a->Json({"devices", "add", b->id(), "--name", "beta"});
  b->Json({"devices", "add", a->id(), "--name", "alpha", "--address", relayed_a});
  REQUIRE(Eventually([&] { return DeviceEntry(*a, *b)["connected"] == true; }));
}

void World::PairPunchedAndShare() {
  PairThroughRelay();
  REQUIRE(Eventually([&] { return DeviceEntry(*a, *b)["path"] == "punched"; }));
  ShareFolder(*a, *b, "docs");
}

double World::BackInSync(std::chrono::steady_clock::time_point since, std::chrono::seconds limit) {
  bool back = Eventually(
      [&] {
        return DeviceEntry(*a, *b)["connected"] == true &&
               DeviceEntry(*b, *a)["connected"] == true &&
               Tree(a->sync_dir()) == Tree(b->sync_dir());
      },
      limit);
  INFO(a->log());
  INFO(b->log());
  REQUIRE(back);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace shoal::e2e
