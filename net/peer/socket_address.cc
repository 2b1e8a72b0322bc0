#include "net/peer/socket_address.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <uv.h>

#include <charconv>
#include <cstdint>
#include <string>

namespace shoal::net {
namespace {

Unexpected BadAddress(std::string_view text, std::string_view why) {
  std::string message("address '");
  message.append(text).append("': ").append(why);
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

int PortOf(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
}

}  // namespace

Result<HostPort> SplitHostPort(std::string_view text, bool allow_port_zero) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return BadAddress(text, "expected [IPv6]:port");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return BadAddress(text, "expected host:port");
    if (text.find(':') != colon) {
      return BadAddress(text, "an IPv6 address needs brackets, as in [::1]:22000");
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) return BadAddress(text, "empty host");
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, out.port);
  if (port_text.empty() || ec != std::errc() || ptr != end || out.port < 0 || out.port > 65535 ||
      (out.port == 0 && !allow_port_zero)) {
    return BadAddress(text, "port must be a number from 1 to 65535");
  }
  return out;
}

std::optional<sockaddr_storage> NumericAddress(const std::string& host, int port) {
  sockaddr_storage storage{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&storage)) == 0) {
    return storage;
  }
  storage = {};
  if (host.find(':') != std::string::npos &&
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&storage)) == 0) {
    return storage;
  }
  return std::nullopt;
}

std::string HostText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(address), text, sizeof(text));
    return text;
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
  uv_ip6_name(in6, text, sizeof(text));
  std::string host(text);
  if (in6->sin6_scope_id != 0) {
    char name[IF_NAMESIZE] = {};
    host.append("%");
    host.append(if_indextoname(in6->sin6_scope_id, name) != nullptr
                    ? std::string(name)
                    : std::to_string(in6->sin6_scope_id));
  }
  return host;
}

std::string AddressText(const sockaddr* address) {
  std::string text;
  if (address->sa_family == AF_INET6) {
    text.append("[").append(HostText(address)).append("]");
  } else {
    text = HostText(address);
  }
  text.append(":").append(std::to_string(PortOf(address)));
  return text;
}

namespace {

bool IsLocalIPv4(std::uint32_t a) {
  const auto in = [a](std::uint32_t net, int bits) {
    return (a >> (32 - bits)) == (net >> (32 - bits));
  };
  return in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0xA9FE0000, 16) ||
         in(0x7F000000, 8);
}

// `host` numeric (an IPv6 scope dropped) and on a local network.
bool IsLocalNumericHost(std::string host) {
  host = host.substr(0, host.find('%'));
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return IsLocalIPv4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  const std::uint8_t* b = v6.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    return IsLocalIPv4(std::uint32_t{b[12]} << 24 | std::uint32_t{b[13]} << 16 |
                       std::uint32_t{b[14]} << 8 | b[15]);
  }
  return IN6_IS_ADDR_LOOPBACK(&v6) || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
         (b[0] & 0xfe) == 0xfc;
}

}  // namespace

bool IsGlobalUnicastHost(std::string_view host) {
  const std::string text(host);
  if (text.find('%') != std::string::npos || IsLocalNumericHost(text)) return false;
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const std::uint32_t a = ntohl(v4.s_addr);
    return (a >> 24) != 0 && (a >> 22) != (0x64400000u >> 22) && (a >> 28) < 0xE;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  return !IN6_IS_ADDR_UNSPECIFIED(&v6) && !IN6_IS_ADDR_MULTICAST(&v6) && !IN6_IS_ADDR_V4MAPPED(&v6);
}

bool IsLocalNetworkHost(std::string_view address) {
  // A bare host (an accepted connection's) or "host:port" (a dialed one's).
  if (IsLocalNumericHost(std::string(address))) return true;
  auto split = SplitHostPort(address);
  return split && IsLocalNumericHost(split->host);
}

}  // namespace shoal::net
