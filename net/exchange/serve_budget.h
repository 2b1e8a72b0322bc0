// ServeBudget: how fast one peer may make us read for it (docs/security.md
// "Hostile peers and strangers"). A paired device may ask for any block of
// the folders shared with it; without a bound it could keep our disk busy
// re-reading one block for as long as it likes.
//
// A token bucket in bytes: every Request is charged the size it asks for
// (served or not: a miss still costs a lookup), refilled at `bytes_per_second`
// up to `burst`. A request is admitted while the bucket is above zero and
// may take it below (one block of debt, at most kMaxBlockSize), so a block
// larger than what is left is never refused outright, only delayed.
//
// The default is above what one session can carry (about 600 MB/s here,
// docs/performance.md), so honest syncs never wait for it; `shoal daemon
// --serve-rate MiB/s` lowers it for slow disks.
#pragma once

#include <chrono>
#include <cstdint>

namespace shoal::net {

// bytes_per_second 0: no limit.
struct ServeRate {
  std::int64_t bytes_per_second = std::int64_t{1} << 30;
  std::int64_t burst = std::int64_t{1} << 30;
};

class ServeBudget {
 public:
  using Clock = std::chrono::steady_clock;

  ServeBudget(ServeRate rate, Clock::time_point now)
      : rate_(rate), tokens_(rate.burst), refilled_(now) {}

  // Whether a request may be served now; if so it is charged `bytes`.
  bool TryCharge(std::int64_t bytes, Clock::time_point now) {
    if (unlimited()) return true;
    Refill(now);
    if (tokens_ <= 0) return false;
    tokens_ -= bytes;
    return true;
  }
  // How long until TryCharge can admit again (zero when it can now).
  std::chrono::milliseconds WaitFor(Clock::time_point now) {
    if (unlimited()) return std::chrono::milliseconds(0);
    Refill(now);
    if (tokens_ > 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(-tokens_ * 1000 / rate_.bytes_per_second + 1);
  }

 private:
  bool unlimited() const { return rate_.bytes_per_second <= 0; }
  void Refill(Clock::time_point now) {
    if (now <= refilled_) return;
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    const double add = seconds * static_cast<double>(rate_.bytes_per_second);
    const double room = static_cast<double>(rate_.burst - tokens_);
    tokens_ = add >= room ? rate_.burst : tokens_ + static_cast<std::int64_t>(add);
    refilled_ = now;
  }

  ServeRate rate_;
  std::int64_t tokens_;
  Clock::time_point refilled_;
};

}  // namespace shoal::net
