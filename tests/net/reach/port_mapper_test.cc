// What counts as a public address for port mapping: anything a router can
// report that no one on the internet could dial is a double NAT. (Mapping
// itself is tested against miniupnpd in tests/e2e/internet_e2e_test.cc:
// outside a test namespace it would ask the machine's real router.)
#include "net/reach/port_mapper.h"

#include <catch2/catch.hpp>

namespace shoal::net {

TEST_CASE("private and carrier-grade and loopback and link-local addresses are not public",
          "[net][reach]") {
  for (const char* inside :
       {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1",
        "100.127.255.254", "127.0.0.1", "169.254.10.20", "0.0.0.0"}) {
    INFO(inside);
    CHECK_FALSE(IsPublicIPv4(inside));
  }
  for (const char* outside :
       {"5.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "192.167.1.1", "198.51.100.1", "203.0.113.9"}) {
    INFO(outside);
    CHECK(IsPublicIPv4(outside));
  }
  // Not an IPv4 address at all: nothing to map on.
  for (const char* junk : {"", "2001:db8::1", "1.2.3", "host.example", "256.1.1.1"}) {
    INFO(junk);
    CHECK_FALSE(IsPublicIPv4(junk));
  }
}

}  // namespace shoal::net
