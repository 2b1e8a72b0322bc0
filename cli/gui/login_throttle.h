// LoginThrottle: slows down guessing the web interface's password.
//
// Counted per client address (IPv6 by /64): the first kFreeFailures wrong logins cost
// nothing; after that, each further one makes that address wait before its
// next attempt, 1 s doubling up to kMaxWait (5 min). An attempt during the
// wait is refused without looking at the secret (429 with Retry-After), so
// a guesser gets about 290 tries in the first day instead of millions. A
// right login clears the address. One address's guesses never lock out
// another's, so a stranger on the LAN cannot keep the owner out; at most
// kMaxTracked addresses are remembered (the longest idle is forgotten
// first), so a flood of source addresses costs bounded memory.
//
// Thread: the loop's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace shoal::cli {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kFirstWait{1};
  static constexpr std::chrono::seconds kMaxWait{300};
  static constexpr std::size_t kMaxTracked = 4096;

  // How long `remote` must still wait before its next attempt; zero: it
  // may try now.
  std::chrono::milliseconds WaitFor(const std::string& remote, Clock::time_point now) const;
  void Failed(const std::string& remote, Clock::time_point now);
  void Succeeded(const std::string& remote) { entries_.erase(remote); }
  std::size_t tracked() const { return entries_.size(); }

  // The address to count under: an IPv4 address as it is, an IPv6 one by
  // its /64 (one home network or one host's privacy addresses).
  static std::string KeyFor(const std::string& remote);

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point next_allowed;
    Clock::time_point last_seen;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace shoal::cli
