#include "net/peer/socket_address.h"

#include <catch2/catch.hpp>

namespace shoal::net {

TEST_CASE("host:port splits IPv4, bracketed IPv6 and hostnames", "[peer]") {
  auto v4 = SplitHostPort("10.0.0.1:22000");
  REQUIRE(v4.has_value());
  CHECK(v4->host == "10.0.0.1");
  CHECK(v4->port == 22000);
  auto v6 = SplitHostPort("[fe80::1%eth0]:1");
  REQUIRE(v6.has_value());
  CHECK(v6->host == "fe80::1%eth0");
  CHECK(v6->port == 1);
  auto name = SplitHostPort("nas.local:65535");
  REQUIRE(name.has_value());
  CHECK(name->host == "nas.local");
  CHECK(SplitHostPort("0.0.0.0:0", /*allow_port_zero=*/true).has_value());
  for (const char* bad : {"", "host", ":22000", "[::1]", "[::1]:", "::1:22000", "h:65536", "h:-1",
                          "h:0", "h:22a", "[]:1"}) {
    INFO(bad);
    auto split = SplitHostPort(bad);
    REQUIRE_FALSE(split.has_value());
    CHECK(split.error().code == ErrorCode::kInvalidArgument);
  }
  CHECK(SplitHostPort("::1:22000").error().message.find("brackets") != std::string::npos);
}

TEST_CASE("numeric hosts become socket addresses and back into text", "[peer]") {
  auto v4 = NumericAddress("127.0.0.1", 22000);
  REQUIRE(v4.has_value());
  CHECK(AddressText(reinterpret_cast<const sockaddr*>(&*v4)) == "127.0.0.1:22000");
  auto v6 = NumericAddress("::1", 80);
  REQUIRE(v6.has_value());
  CHECK(AddressText(reinterpret_cast<const sockaddr*>(&*v6)) == "[::1]:80");
  CHECK(HostText(reinterpret_cast<const sockaddr*>(&*v6)) == "::1");
  CHECK_FALSE(NumericAddress("localhost", 1).has_value());
  CHECK_FALSE(NumericAddress("1.2.3", 1).has_value());
}

}  // namespace shoal::net
