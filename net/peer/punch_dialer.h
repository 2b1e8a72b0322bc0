// PunchDialer: the dialing half of a TCP hole punch (docs/protocol.md "Hole
// punching"). Both devices run one at the same moment, each from its
// round's listening port (shared, net/peer/shared_port.h) to the other's
// public endpoint. The first SYNs open each NAT's mapping and are usually dropped
// or reset by the other NAT; a later pair crosses, and TCP's simultaneous
// open (or the other side's listener) completes the connection.
//
// It connects again and again, one attempt at a time (a second socket on
// the same port and remote would be refused), each for `attempt` at most,
// and never more often than every `attempt` / 2, until one connects or
// `window` has passed. The callback runs once with the connected handle or
// kIo, never from inside Start; destroying the dialer cancels it.
//
// Thread: the loop's thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/pending_dial.h"
#include "net/peer/tcp_dialer.h"

namespace shoal::net {

struct PunchTiming {
  std::chrono::milliseconds window{6000};
  std::chrono::milliseconds attempt{400};
};

class PunchDialer final : public PendingDial {
 public:
  static Result<std::unique_ptr<PunchDialer>> Start(EventLoop& loop, const std::string& remote,
                                                    int local_port, PunchTiming timing,
                                                    DialDone done);
  PunchDialer(const PunchDialer&) = delete;
  PunchDialer& operator=(const PunchDialer&) = delete;
  ~PunchDialer() override;

  int attempts() const { return attempts_; }

 private:
  PunchDialer(EventLoop& loop, std::string remote, int local_port, PunchTiming timing,
              DialDone done);
  void Attempt();
  void OnAttempt(Result<UvHandle<uv_tcp_t>> connected);
  void Finish(Result<UvHandle<uv_tcp_t>> result);  // last thing any path does: may destroy us

  EventLoop& loop_;
  std::string remote_;
  int local_port_;
  PunchTiming timing_;
  DialDone done_;
  std::uint64_t started_ms_ = 0;
  std::uint64_t attempt_started_ms_ = 0;
  int attempts_ = 0;
  std::string last_error_;
  std::unique_ptr<TcpDialer> dial_;
  std::unique_ptr<Timer> next_;
};

}  // namespace shoal::net
