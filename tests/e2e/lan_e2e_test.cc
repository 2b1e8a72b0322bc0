// Two daemons on a real (virtual) LAN: each in its own network namespace,
// joined by a veth pair (tests/support/net_namespaces.h). The joiner is given
// only the invite code, no address: it must find the inviter by LAN
// discovery, pair, and then sync over the veth.
//
// Needs root; where namespaces cannot be created the test says so (WARN)
// and passes. Any failure after that is a failure.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/daemon_process.h"
#include "tests/support/net_namespaces.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {

TEST_CASE("pair CODE with no address finds the inviter on the LAN and the folder syncs",
          "[e2e][netns]") {
  auto lan = testing::NamespacePair::Create();
  if (!lan && lan.error().code == ErrorCode::kUnauthorized) {
    WARN("skipped: network namespaces cannot be created here: " << lan.error().message);
    return;
  }
  INFO((lan ? std::string() : lan.error().ToString()));
  REQUIRE(lan);
  testing::TempDir dir;
  TestDevice a(dir.path().string(), "alpha", (*lan)->a());
  TestDevice b(dir.path().string(), "beta", (*lan)->b());
  a.Start();
  b.Start();
  Pair(a, b, /*over_lan=*/true);

  WriteFile(a.Path("over/the/lan.txt"), "hello from namespace a");
  WriteFile(b.Path("back.txt"), "and from b");
  ShareFolder(a, b, "Lan");
  bool same = Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); },
                         std::chrono::seconds(60));
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(same);
  CHECK(ReadFile(b.Path("over/the/lan.txt")) == "hello from namespace a");
  CHECK(ReadFile(a.Path("back.txt")) == "and from b");
  // b reached a at its veth address, learnt from the announcement.
  auto devices = b.Json({"devices"})["devices"];
  REQUIRE(devices.size() == 1);
  CHECK(devices[0]["connected"].get<bool>());
  CHECK(devices[0]["address"].get<std::string>().rfind(testing::NamespacePair::kAddressA, 0) == 0);
  a.Stop();
  b.Stop();
}

}  // namespace shoal::e2e
