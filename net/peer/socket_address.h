// Socket addresses as the peer manager reads and shows them: "host:port"
// text (IPv4 "10.0.0.1:22000", IPv6 in brackets "[::1]:22000" with an
// optional scope "[fe80::1%eth0]:22000", or a hostname "nas.local:22000"),
// numeric hosts turned into sockaddrs, and sockaddrs turned back into text.
//
// Pure functions (apart from resolving an IPv6 scope name to its interface
// index); any thread.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace shoal::net {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;      // 1..65535 (0 only where allowed)
};

// Splits "host:port". An IPv6 host must be in brackets. The port is decimal,
// 0..65535 when `allow_port_zero`, else 1..65535. Fails with kInvalidArgument
// naming the text.
Result<HostPort> SplitHostPort(std::string_view text, bool allow_port_zero = false);

// `host` as a numeric IPv4 or IPv6 address (IPv6 may carry "%scope") with
// `port`; nullopt when it is not numeric (a hostname, or garbage).
std::optional<sockaddr_storage> NumericAddress(const std::string& host, int port);

// A numeric address on a local network or this machine, as a session's
// address shows it ("host:port", or a bare host): IPv4 10/8, 172.16/12,
// 192.168/16, 169.254/16, 127/8; IPv6 ::1, fe80::/10, fc00::/7, and
// IPv4-mapped forms of the IPv4 ones. Not 100.64/10: carrier-grade NAT and
// overlay VPNs live there. False for hostnames, which are not resolved.
bool IsLocalNetworkHost(std::string_view address);
// A numeric host that can be a device's address on the internet: not a
// local one (above), not unspecified, 0/8, 100.64/10, multicast or
// 240/4 and broadcast; for IPv6 not ::, multicast or IPv4-mapped. What a
// relay may be asked to permit: coturn refuses a whole CreatePermission
// that names a forbidden address.
bool IsGlobalUnicastHost(std::string_view host);

// "10.0.0.1" or "fe80::1%eth0" (scope by name, or by index if it has none).
std::string HostText(const sockaddr* address);
// "10.0.0.1:22000" or "[::1]:22000".
std::string AddressText(const sockaddr* address);

}  // namespace shoal::net
