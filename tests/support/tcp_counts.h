// What the kernel counted on one TCP socket: bytes our side sent that the
// peer acknowledged, and bytes received (TCP_INFO). Tests use it to see
// which connection carried which direction without trusting our own code.
// In a file of its own: the kernel's tcp_info (with these counters) and
// glibc's older one cannot be in one translation unit.
#pragma once

#include <cstdint>

namespace shoal::testing {

struct TcpCounts {
  std::uint64_t acked = 0;  // the SYN may count as 1
  std::uint64_t received = 0;
};

// Fails the current test when getsockopt does.
TcpCounts TcpCountsOf(int fd);

}  // namespace shoal::testing
