#include "net/peer/leg_dial.h"

#include "core/base/log.h"

namespace shoal::net {

Result<std::unique_ptr<LegDial>> LegDial::Start(EventLoop& loop, const StartLeg& first,
                                                const StartLeg& second,
                                                std::chrono::milliseconds second_wait, Done done) {
  std::unique_ptr<LegDial> dial(new LegDial(std::move(done)));
  auto timer = Timer::Create(loop);
  if (!timer) return timer.error();
  dial->wait_ = std::move(*timer);
  dial->second_wait_ = second_wait;
  LegDial* self = dial.get();
  auto started = first([self](Result<UvHandle<uv_tcp_t>> c) { self->OnFirst(std::move(c)); });
  if (!started) return started.error();
  dial->first_dial_ = std::move(*started);
  auto other = second([self](Result<UvHandle<uv_tcp_t>> c) { self->OnSecond(std::move(c)); });
  if (other) {
    dial->second_dial_ = std::move(*other);
  } else {
    SHOAL_LOG(kDebug) << "second leg: " << other.error().message;
    dial->second_settled_ = true;
  }
  return dial;
}

void LegDial::OnFirst(Result<UvHandle<uv_tcp_t>> connected) {
  if (!connected) {
    second_dial_.reset();
    Done done = std::move(done_);
    done(connected.error(), {});  // may destroy us
    return;
  }
  first_ = std::move(*connected);
  if (second_settled_) {
    Finish();
    return;
  }
  wait_->Start(second_wait_, [this] {
    SHOAL_LOG(kDebug) << "second leg: not connected " << second_wait_.count()
                      << " ms after the first; one connection both ways";
    second_dial_.reset();
    second_settled_ = true;
    Finish();
  });
}

void LegDial::OnSecond(Result<UvHandle<uv_tcp_t>> connected) {
  second_settled_ = true;
  if (connected) {
    second_ = std::move(*connected);
  } else {
    SHOAL_LOG(kDebug) << "second leg: " << connected.error().message;
  }
  if (first_) Finish();
}

void LegDial::Finish() {
  wait_->Stop();
  Done done = std::move(done_);
  UvHandle<uv_tcp_t> first = std::move(*first_);
  first_.reset();
  done(std::move(first), std::move(second_));  // may destroy us
}

}  // namespace shoal::net
