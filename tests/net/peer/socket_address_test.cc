#include "net/peer/socket_address.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

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

namespace shoal::net {

TEST_CASE("local network hosts are the private link-local and loopback ranges and no others",
          "[peer]") {
  for (const char* local : {"10.0.0.1", "10.255.255.255:22000", "172.16.0.1", "172.31.255.254:1",
                            "192.168.1.5", "169.254.10.1", "127.0.0.1:22000", "::1", "[::1]:22000",
                            "fe80::1%eth0", "[fe80::1%eth0]:22000", "fd12:3456::1", "[fc00::1]:1",
                            "::ffff:192.168.0.9", "[::ffff:10.1.2.3]:22000"}) {
    INFO(local);
    CHECK(IsLocalNetworkHost(local));
  }
  for (const char* other :
       {"198.51.100.1", "198.51.100.1:22000", "8.8.8.8", "172.15.255.255", "172.32.0.1",
        "100.64.0.1", "100.127.0.1:22000", "11.0.0.1", "192.169.0.1", "2001:db8::1",
        "[2001:db8::1]:22000", "fec0::1", "::ffff:8.8.8.8", "nas.local:22000", "localhost", "",
        "garbage", "10.0.0.1:notaport"}) {
    INFO(other);
    CHECK_FALSE(IsLocalNetworkHost(other));
  }
}

TEST_CASE(
    "random IPv4 hosts are local exactly when their leading octets say so, with or "
    "without a port and IPv4-mapped",
    "[peer]") {
  std::mt19937 rng(GENERATE(1u, 2u, 3u));
  std::uniform_int_distribution<int> octet(0, 255);
  for (int i = 0; i < 5000; ++i) {
    // Biased towards the ranges' edges: the first octet often one of them.
    const int first_choices[] = {10, 172, 192, 169, 127, 100, octet(rng)};
    const int a = first_choices[std::uniform_int_distribution<int>(0, 6)(rng)];
    const int b = octet(rng), c = octet(rng), d = octet(rng);
    const bool expected = a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) ||
                          (a == 169 && b == 254) || a == 127;
    const std::string host = std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) +
                             "." + std::to_string(d);
    INFO(host);
    CHECK(IsLocalNetworkHost(host) == expected);
    CHECK(IsLocalNetworkHost(host + ":22000") == expected);
    CHECK(IsLocalNetworkHost("[::ffff:" + host + "]:22000") == expected);
  }
}

}  // namespace shoal::net
