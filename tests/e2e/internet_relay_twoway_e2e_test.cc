// A measurement, not a CI test: both homes write a large file at once, so
// bulk data crosses the relay in both directions together. coturn 4.6.1
// stops forwarding one direction of an RFC 6062 connection for good when
// both of its user-space output buffers are over its 192 KiB mark at once
// (docs/protocol.md "Relays", "Two-way bulk through coturn"); the sessions
// then end on TCP_USER_TIMEOUT and reconnect. Run by hand:
//   SHOAL_TWOWAY_MIB=64 build/tests/e2e/shoal_e2e_tests "[relay-twoway]"
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

}  // namespace

TEST_CASE("two-way bulk through the relay", "[.][relay-twoway]") {
  World w;
  if (!w.Build(Nat::kSymmetric, Nat::kSymmetric)) return;
  TestDevice& a = *w.a;
  TestDevice& b = *w.b;
  w.PairThroughRelay();
  REQUIRE(DeviceEntry(a, b)["path"] == "relayed");
  ShareFolder(a, b, "docs");
  const char* env = std::getenv("SHOAL_TWOWAY_MIB");
  const std::size_t bytes = (env != nullptr ? std::stoul(env) : 64) << 20;
  const std::string from_a = RandomData(bytes, 1), from_b = RandomData(bytes, 2);
  const std::string staged = w.dir.path().string() + "/staged-";
  WriteFile(staged + "a", from_a);
  WriteFile(staged + "b", from_b);
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::rename(staged + "a", a.Path("from_a.bin"));
  std::filesystem::rename(staged + "b", b.Path("from_b.bin"));
  const bool arrived = Eventually(
      [&] { return HasSize(b.Path("from_a.bin"), bytes) && HasSize(a.Path("from_b.bin"), bytes); },
      std::chrono::seconds(900));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t ended = 0;
  const std::string log = a.log();
  for (auto at = log.find("disconnected from"); at != std::string::npos;
       at = log.find("disconnected from", at + 1)) {
    ++ended;
  }
  std::printf("relay-twoway: %zu MiB each way in %.2f s, %zu sessions ended on alpha, path %s\n",
              bytes >> 20, seconds, ended, DeviceEntry(a, b)["path"].dump().c_str());
  INFO(a.log());
  INFO(b.log());
  REQUIRE(arrived);
  CHECK(ReadFile(b.Path("from_a.bin")) == from_a);
  CHECK(ReadFile(a.Path("from_b.bin")) == from_b);
}

}  // namespace shoal::e2e
