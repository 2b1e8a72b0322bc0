// Both homes write a large file at once, so bulk data crosses the relay in
// both directions together. coturn 4.6.1 stops forwarding one direction of
// an RFC 6062 connection for good when both of its user-space output
// buffers are over its 192 KiB mark at once (docs/protocol.md "Two-way bulk
// through coturn"); on one connection both ways this took 214 s and three
// sessions for 64 MiB each way. A relayed session runs each direction on a
// connection of its own ("Two legs"), so nothing stalls and no session
// ends. Bigger runs by hand:
//   SHOAL_TWOWAY_MIB=256 build/tests/e2e/shoal_e2e_tests "[relay-twoway]"
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/e2e/internet_world.h"

namespace shoal::e2e {

using testing::Nat;

namespace {

bool HasSize(const std::string& path, std::size_t size) {
  std::error_code ec;
  return std::filesystem::file_size(path, ec) == size && !ec;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("two-way bulk through the relay runs on two legs and never stalls",
          "[internet][relay-twoway]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairThroughRelay();
  REQUIRE(DeviceEntry(a, b)["path"] == "relayed");
  CHECK(DeviceEntry(a, b)["legs"] == 2);
  CHECK(DeviceEntry(b, a)["legs"] == 2);
  // Beta dialed: its second leg went through its allocation for them.
  CHECK(b.Status()["relays"][0]["second_legs"] == "allocated");
  ShareFolder(a, b, "docs");
  const char* env = std::getenv("SHOAL_TWOWAY_MIB");
  const std::size_t bytes = (env != nullptr ? std::stoul(env) : 64) << 20;
  const std::string from_a = RandomData(bytes, 1), from_b = RandomData(bytes, 2);
  const std::string staged = w.dir.path().string() + "/staged-";
  WriteFile(staged + "a", from_a);
  WriteFile(staged + "b", from_b);
  const std::size_t ended_a = Count(a.log(), "disconnected from");
  const std::size_t ended_b = Count(b.log(), "disconnected from");
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::rename(staged + "a", a.Path("from_a.bin"));
  std::filesystem::rename(staged + "b", b.Path("from_b.bin"));
  const bool arrived = Eventually(
      [&] { return HasSize(b.Path("from_a.bin"), bytes) && HasSize(a.Path("from_b.bin"), bytes); },
      std::chrono::seconds(300));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t ended =
      Count(a.log(), "disconnected from") - ended_a + Count(b.log(), "disconnected from") - ended_b;
  std::printf("relay-twoway: %zu MiB each way in %.2f s, %zu sessions ended, path %s, legs %s\n",
              bytes >> 20, seconds, ended, DeviceEntry(a, b)["path"].dump().c_str(),
              DeviceEntry(a, b)["legs"].dump().c_str());
  INFO(a.log());
  INFO(b.log());
  REQUIRE(arrived);
  CHECK(ended == 0);  // a stall ends the stuck session (TCP_USER_TIMEOUT)
  CHECK(ReadFile(b.Path("from_a.bin")) == from_a);
  CHECK(ReadFile(a.Path("from_b.bin")) == from_b);
}

}  // namespace shoal::e2e
