// Where the discovery server saw paired devices announce from (seen://)
// becomes the hosts our relay allocations permit: parsed strictly, at most
// four per device, each host once, and forgotten with the device.
#include <catch2/catch.hpp>

#include "cli/daemon/device_addresses.h"
#include "net/reach/rendezvous_client.h"
#include "tests/cli/daemon/api_fixture.h"
#include "tests/support/test_ids.h"

namespace shoal::cli {

using shoal::testing::MakeDeviceId;

TEST_CASE("a seen:// address is announced with an empty host and read back only when a public IP",
          "[rendezvous]") {
  CHECK(net::SeenAnnouncement(22000) == "seen://:22000");
  CHECK(net::SeenHost("seen://198.51.100.2:22000") == "198.51.100.2");
  CHECK(net::SeenHost("seen://[2001:db8::7]:22000") == "2001:db8::7");
  for (const char* bad :
       {"seen://:22000", "seen://0.0.0.0", "seen://relay.example.org:1", "seen://198.51.100.2",
        "seen://198.51.100.2:0", "seen://198.51.100.2:70000", "relay://198.51.100.2:1",
        "tcp://198.51.100.2:1", "seen://198.51.100.2:1/x", "",
        // Not where a device can be on the internet; a relay would refuse
        // a permission for these.
        "seen://0.0.0.0:1", "seen://10.0.0.1:1", "seen://127.0.0.1:1", "seen://100.64.0.1:1",
        "seen://169.254.1.1:1", "seen://192.168.1.1:1", "seen://224.0.0.1:1",
        "seen://255.255.255.255:1", "seen://[::]:1", "seen://[::1]:1", "seen://[fe80::1]:1",
        "seen://[fd00::1]:1", "seen://[ff02::1]:1", "seen://[::ffff:198.51.100.2]:1"}) {
    INFO(bad);
    CHECK_FALSE(net::SeenHost(bad).has_value());
  }
}

TEST_CASE("the IPs the discovery server saw paired devices at are what our relays permit",
          "[rendezvous][daemon]") {
  testing::ApiFixture fx;
  fx.addresses->on_seen_change = [&] { fx.relays->PermitHosts(fx.addresses->SeenHosts()); };
  int changes = 0;
  auto forward = fx.addresses->on_seen_change;
  fx.addresses->on_seen_change = [&] {
    ++changes;
    forward();
  };
  const DeviceId beta = MakeDeviceId(2);
  const DeviceId gamma = MakeDeviceId(3);
  for (const DeviceId& id : {beta, gamma}) {
    fx.Ok({{"cmd", "device-add"}, {"device", id.ToString()}, {"name", "peer"}});
  }

  fx.addresses->OnFound(beta, {"relay://198.51.100.10:50001", "seen://198.51.100.2:22000"});
  CHECK(fx.addresses->SeenHosts() == std::vector<std::string>{"198.51.100.2"});
  CHECK(fx.relays->permitted() == fx.addresses->SeenHosts());
  CHECK(changes == 1);
  // Found again unchanged: nothing to tell the relays.
  fx.addresses->OnFound(beta, {"seen://198.51.100.2:22000", "relay://198.51.100.10:50001"});
  CHECK(changes == 1);

  // Another device behind the same router, and one more host of its own;
  // junk and an unfilled announcement are ignored.
  fx.addresses->OnFound(gamma, {"seen://198.51.100.2:22001", "seen://:22000", "seen://not-an-ip:1",
                                "seen://203.0.113.9:22000"});
  CHECK(fx.addresses->SeenHosts() == std::vector<std::string>{"198.51.100.2", "203.0.113.9"});

  // A record stuffed with seen addresses counts four per device.
  std::vector<std::string> many;
  for (int i = 1; i <= 10; ++i) many.push_back("seen://192.0.2." + std::to_string(i) + ":1");
  fx.addresses->OnFound(gamma, many);
  CHECK(fx.addresses->SeenHosts().size() == 5);  // beta's one and gamma's first four

  // A device not paired here is not looked up, and what it claims is not kept.
  fx.addresses->OnFound(MakeDeviceId(9), {"seen://192.0.2.99:1"});
  CHECK(fx.addresses->SeenHosts().size() == 5);

  // A removed device's hosts are no longer permitted.
  const int before = changes;
  fx.Ok({{"cmd", "device-remove"}, {"device", gamma.ToString()}});
  CHECK(changes == before + 1);
  CHECK(fx.addresses->SeenHosts() == std::vector<std::string>{"198.51.100.2"});
  CHECK(fx.relays->permitted() == std::vector<std::string>{"198.51.100.2"});
}

}  // namespace shoal::cli
