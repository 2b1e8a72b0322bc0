// Port mapping on the home router (docs/protocol.md "Port mapping"): asks
// the default gateway to forward a public TCP port to our listening port,
// by NAT-PMP (RFC 6886, libnatpmp) and, when that gets no answer, by
// UPnP-IGD (miniupnpc). A mapping whose external address is not public
// (RFC 1918, 100.64/10 CGNAT, loopback, link-local) is useless: the router
// is itself behind another NAT ("double NAT"), and nothing is mapped.
//
// Thread: MapTcpPort and UnmapTcpPort block (up to their timeouts) and run
// on a worker thread (PortMapper runs them on libuv's pool); PortMapper
// itself is used on the loop thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

namespace shoal::net {

struct PortMapping {
  std::string protocol;     // "NAT-PMP" or "UPnP"
  std::string external_ip;  // the router's public address
  int external_port = 0;    // 0: nothing mapped
  int internal_port = 0;
  std::chrono::seconds lifetime{0};
  bool double_nat = false;  // external_ip is not public: nothing was mapped
  // UPnP only: where the mapping is deleted again.
  std::string control_url, service_type;

  // "tcp://IP:PORT": how peers are told of it (net/peer/peer_manager.h).
  std::string Announced() const;
};

// False for addresses no one on the internet can dial: 0/8, 10/8,
// 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16 (and anything that
// is not IPv4).
bool IsPublicIPv4(std::string_view ip);

// Maps TCP `internal_port` to the same external port (or what the router
// grants). kNotFound when no router answers either protocol; a double NAT
// is a success with double_nat set and nothing mapped.
Result<PortMapping> MapTcpPort(int internal_port, std::chrono::seconds lifetime,
                               std::chrono::milliseconds timeout);
Result<void> UnmapTcpPort(const PortMapping& mapping, std::chrono::milliseconds timeout);

// Keeps one mapping for our listening port: maps at Start, renews at half
// the lifetime, retries a minute after a failure, and deletes it in Stop.
// All router traffic runs on libuv's pool, never on the loop; a delete
// still in flight keeps the loop running (at most `timeout`), so a daemon
// that stops leaves no mapping behind. `on_change` runs on the loop
// whenever the state changed.
class PortMapper {
 public:
  struct Options {
    std::chrono::seconds lifetime{3600};
    std::chrono::milliseconds timeout{2000};
  };
  static Result<std::unique_ptr<PortMapper>> Start(EventLoop& loop, int port,
                                                   std::function<void()> on_change,
                                                   Options options);
  PortMapper(const PortMapper&) = delete;
  PortMapper& operator=(const PortMapper&) = delete;
  ~PortMapper();  // Stop()

  // Stops renewing and deletes the mapping (on the pool). Idempotent.
  void Stop();

  // The mapping while one is held.
  const PortMapping* mapping() const { return mapping_.external_port != 0 ? &mapping_ : nullptr; }
  // "mapping", "mapped", "double NAT", "no router answered", "stopped".
  const std::string& state() const { return state_; }
  const std::string& last_error() const { return last_error_; }
  // The router's address as it reported it, mapped or not.
  const std::string& external_ip() const { return mapping_.external_ip; }

 private:
  struct Work;
  PortMapper(EventLoop& loop, int port, std::function<void()> on_change, Options options);
  void Map();
  void OnMapped(Result<PortMapping> result);

  EventLoop& loop_;
  int port_;
  std::function<void()> on_change_;
  Options options_;
  std::unique_ptr<Timer> timer_;
  Work* work_ = nullptr;  // in flight; outlives us if we go first
  PortMapping mapping_;
  std::string state_ = "mapping";
  std::string last_error_;
  bool stopped_ = false;
};

}  // namespace shoal::net
