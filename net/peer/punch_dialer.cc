#include "net/peer/punch_dialer.h"

#include <algorithm>
#include <string>
#include <utility>

namespace shoal::net {

PunchDialer::PunchDialer(EventLoop& loop, std::string remote, int local_port, PunchTiming timing,
                         DialDone done)
    : loop_(loop),
      remote_(std::move(remote)),
      local_port_(local_port),
      timing_(timing),
      done_(std::move(done)) {}

PunchDialer::~PunchDialer() = default;

Result<std::unique_ptr<PunchDialer>> PunchDialer::Start(EventLoop& loop, const std::string& remote,
                                                        int local_port, PunchTiming timing,
                                                        DialDone done) {
  if (local_port <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "punch: we are not listening, so no port to punch from");
  }
  std::unique_ptr<PunchDialer> dialer(
      new PunchDialer(loop, remote, local_port, timing, std::move(done)));
  auto next = Timer::Create(loop);
  if (!next) return next.error();
  dialer->next_ = std::move(*next);
  dialer->started_ms_ = uv_now(loop.get());
  PunchDialer* self = dialer.get();
  dialer->next_->Start(std::chrono::milliseconds(0), [self] { self->Attempt(); });
  return dialer;
}

void PunchDialer::Attempt() {
  const std::uint64_t now = uv_now(loop_.get());
  const auto spent = std::chrono::milliseconds(now - started_ms_);
  if (spent >= timing_.window) {
    Finish(Fail(ErrorCode::kIo, "punch " + remote_ + ": no connection in " +
                                    std::to_string(attempts_) + " attempts over " +
                                    std::to_string(timing_.window.count()) +
                                    " ms (last: " + last_error_ + ")"));
    return;
  }
  ++attempts_;
  attempt_started_ms_ = now;
  const auto timeout = std::min(timing_.attempt, timing_.window - spent);
  auto dial = TcpDialer::Start(
      loop_, remote_, timeout,
      [this](Result<UvHandle<uv_tcp_t>> connected) { OnAttempt(std::move(connected)); },
      local_port_);
  if (!dial) {
    Finish(dial.error().Wrap("punch"));
    return;
  }
  dial_ = std::move(*dial);
}

void PunchDialer::OnAttempt(Result<UvHandle<uv_tcp_t>> connected) {
  dial_.reset();  // allowed from inside its callback
  if (connected) {
    Finish(std::move(*connected));
    return;
  }
  last_error_ = connected.error().message;
  // A reset comes back at once: pace the attempts rather than spin.
  const std::uint64_t spent = uv_now(loop_.get()) - attempt_started_ms_;
  const std::uint64_t pace = static_cast<std::uint64_t>(timing_.attempt.count()) / 2;
  next_->Start(std::chrono::milliseconds(spent >= pace ? 0 : pace - spent), [this] { Attempt(); });
}

void PunchDialer::Finish(Result<UvHandle<uv_tcp_t>> result) {
  dial_.reset();
  next_->Stop();
  if (!done_) return;
  DialDone done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

}  // namespace shoal::net
