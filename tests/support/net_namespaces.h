// NamespacePair: two Linux network namespaces joined by a veth pair, a
// two-host LAN inside one machine for end-to-end tests (discovery, later
// sessions). Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) and iproute2's `ip`.
//
//   namespace a (shoal-a-<pid>)  veth 10.231.0.1/24 + IPv6 link-local
//   namespace b (shoal-b-<pid>)  veth 10.231.0.2/24 + IPv6 link-local
//
// The destructor deletes both namespaces (and with them the veth pair), on
// success and failure alike. Code runs inside a namespace in a forked child
// (RunIn), which enters it with setns() before creating any socket.
//
// NamespaceLan: a LAN of more hosts than two (a third one can play an
// attacker): `count` namespaces, each with one veth `eth0` at
// 10.232.0.<i+1>/24, plugged into a bridge in a namespace of its own.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace shoal::testing {

class NamespacePair {
 public:
  // kUnauthorized when namespaces cannot be created here (not root, no
  // CAP_NET_ADMIN, no `ip`): the caller reports the test as skipped. Any
  // later failure (veth, addresses, links) is kIo: a real failure.
  static Result<std::unique_ptr<NamespacePair>> Create();
  NamespacePair(const NamespacePair&) = delete;
  NamespacePair& operator=(const NamespacePair&) = delete;
  ~NamespacePair();

  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }
  static constexpr const char* kAddressA = "10.231.0.1";
  static constexpr const char* kAddressB = "10.231.0.2";

  // Forks a child that enters network namespace `name` and _exit()s with
  // body()'s return value (or 120 if it could not enter). Parent only.
  static Result<pid_t> RunIn(const std::string& name, const std::function<int()>& body);

 private:
  NamespacePair(std::string a, std::string b) : a_(std::move(a)), b_(std::move(b)) {}
  std::string a_;
  std::string b_;
  bool created_b_ = false;
};

class NamespaceLan {
 public:
  // As NamespacePair::Create: kUnauthorized when namespaces cannot be
  // created here, kIo for any later failure. `count` is 2 to 200.
  static Result<std::unique_ptr<NamespaceLan>> Create(int count);
  NamespaceLan(const NamespaceLan&) = delete;
  NamespaceLan& operator=(const NamespaceLan&) = delete;
  ~NamespaceLan();

  // Host `i`'s namespace (0 ≤ i < count) and its IPv4 address.
  const std::string& host(int i) const { return hosts_.at(static_cast<std::size_t>(i)); }
  static std::string Address(int i) { return "10.232.0." + std::to_string(i + 1); }
  static constexpr const char* kBroadcast = "10.232.0.255";

 private:
  NamespaceLan() = default;
  Result<void> Build(int count);
  std::vector<std::string> made_;  // namespaces to delete, the bridge's first
  std::vector<std::string> hosts_;
};

// Waits for every child; a child still running at `timeout` is killed
// (SIGKILL) and reported as -1. Otherwise its exit status, or 128 + signal.
std::vector<int> WaitForChildren(const std::vector<pid_t>& children,
                                 std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that
// cannot report the port they chose).
int FreeLoopbackPort();
// Whether a TCP connection to IPv4 `address`:`port` succeeds, from inside
// network namespace `netns` (empty: this one).
bool TcpAccepts(const std::string& netns, const std::string& address, int port);

// Runs argv (argv[0] looked up in PATH) and waits; fails with its stderr.
// kNotFound when the program does not exist.
Result<void> RunCommand(const std::vector<std::string>& argv);

}  // namespace shoal::testing
