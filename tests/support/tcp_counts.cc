#include "tests/support/tcp_counts.h"

#include <linux/tcp.h>
#include <netinet/in.h>  // IPPROTO_TCP (not netinet/tcp.h: see the header)
#include <sys/socket.h>

#include <catch2/catch.hpp>

namespace shoal::testing {

TcpCounts TcpCountsOf(int fd) {
  tcp_info info{};
  socklen_t size = sizeof(info);
  REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0);
  return {info.tcpi_bytes_acked, info.tcpi_bytes_received};
}

}  // namespace shoal::testing
