// LegDial: dialing a device's relayed address with two legs (docs/protocol.md
// "Two legs"): the session's connection and a second one, opened together.
// `done` runs once: with the first leg's failure as soon as it fails, or
// with the first leg and the second once the second has connected, failed,
// or taken `second_wait` longer than the first (then it is given up and the
// session runs on one connection).
//
// Destroying it cancels both; `done` may destroy it.
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/peer/pending_dial.h"

namespace shoal::net {

class LegDial final : public PendingDial {
 public:
  using Done = std::function<void(Result<UvHandle<uv_tcp_t>> first, UvHandle<uv_tcp_t> second)>;
  // Starts one leg: like a DialFunction with its address and timeout bound.
  using StartLeg = std::function<Result<std::unique_ptr<PendingDial>>(DialDone done)>;

  static Result<std::unique_ptr<LegDial>> Start(EventLoop& loop, const StartLeg& first,
                                                const StartLeg& second,
                                                std::chrono::milliseconds second_wait, Done done);
  ~LegDial() override = default;

 private:
  explicit LegDial(Done done) : done_(std::move(done)) {}
  void OnFirst(Result<UvHandle<uv_tcp_t>> connected);
  void OnSecond(Result<UvHandle<uv_tcp_t>> connected);
  void Finish();

  Done done_;
  std::unique_ptr<PendingDial> first_dial_, second_dial_;
  std::unique_ptr<Timer> wait_;
  std::chrono::milliseconds second_wait_{0};
  std::optional<UvHandle<uv_tcp_t>> first_;
  bool second_settled_ = false;
  UvHandle<uv_tcp_t> second_;
};

}  // namespace shoal::net
