#include "net/peer/leg_sorter.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/base/log.h"

namespace shoal::net {

struct LegSorter::Pending {
  LegSorter* owner = nullptr;
  UvHandle<uv_tcp_t> tcp;
  std::string peer;
  std::array<std::uint8_t, wire::kLegOpeningSize> opening{};
  std::size_t have = 0;
  std::size_t need = wire::kPreambleSize;
  wire::LegKind kind = wire::LegKind::kSingle;
  wire::LegToken token{};
  bool opened = false;  // its whole opening is in: it waits for its other leg
  std::uint64_t deadline_ms = 0;
  PendingList::iterator self;
};

Result<std::unique_ptr<LegSorter>> LegSorter::Create(EventLoop& loop, OnSorted on_sorted,
                                                     Options options) {
  auto timer = Timer::Create(loop);
  if (!timer) return timer.error();
  return std::unique_ptr<LegSorter>(
      new LegSorter(loop, std::move(on_sorted), options, std::move(*timer)));
}

LegSorter::LegSorter(EventLoop& loop, OnSorted on_sorted, Options options,
                     std::unique_ptr<Timer> timer)
    : loop_(loop), on_sorted_(std::move(on_sorted)), options_(options), timer_(std::move(timer)) {}

LegSorter::~LegSorter() = default;

void LegSorter::Add(UvHandle<uv_tcp_t> tcp, std::string peer) {
  if (pending_.size() >= options_.max_pending) {
    ++dropped_;
    const std::uint64_t now = uv_now(loop_.get());
    if (dropped_logged_ms_ == 0 || now - dropped_logged_ms_ >= 10'000) {
      SHOAL_LOG(kWarning) << "relayed connections: " << dropped_
                          << " dropped before showing what they are (" << pending_.size()
                          << " waiting already; a flood of strangers?)";
      dropped_ = 0;
      dropped_logged_ms_ = now;
    }
    // A first leg that showed its opening is a session waiting for its
    // other leg: it goes on alone rather than being dropped.
    auto oldest = pending_.begin();
    if ((*oldest)->opened && (*oldest)->kind == wire::LegKind::kFirstLeg) {
      Hand(oldest, pending_.end());
    } else {
      Drop(oldest);
    }
  }
  auto pending = std::make_unique<Pending>();
  pending->owner = this;
  pending->tcp = std::move(tcp);
  pending->peer = std::move(peer);
  pending->deadline_ms = uv_now(loop_.get()) + options_.opening_timeout.count();
  pending->tcp->data = pending.get();
  Pending& p = *pending;
  pending_.push_back(std::move(pending));
  p.self = std::prev(pending_.end());
  // The buffer handed to libuv is exactly what is still missing, so no
  // byte past the opening is taken from the socket.
  int rc = uv_read_start(
      p.tcp.stream(),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<Pending*>(handle->data);
        *buf = uv_buf_init(reinterpret_cast<char*>(self->opening.data() + self->have),
                           static_cast<unsigned>(self->need - self->have));
      },
      [](uv_stream_t* handle, ssize_t nread, const uv_buf_t*) noexcept {
        auto* self = static_cast<Pending*>(handle->data);
        self->owner->OnOpeningRead(*self, nread);
      });
  if (rc != 0) {
    Drop(p.self);
    return;
  }
  ArmTimer();
}

void LegSorter::OnOpeningRead(Pending& p, ssize_t nread) {
  if (nread == 0) return;
  if (nread < 0) {  // gone before it said what it is
    Drop(p.self);
    ArmTimer();
    return;
  }
  p.have += static_cast<std::size_t>(nread);
  if (p.have < p.need) return;
  if (p.need == wire::kPreambleSize) {
    p.kind = wire::ClassifyOpening(ByteSpan(p.opening.data(), p.have));
    if (p.kind == wire::LegKind::kSingle) {
      uv_read_stop(p.tcp.stream());
      Hand(p.self, pending_.end());
      return;
    }
    p.need = wire::kLegOpeningSize;
    return;
  }
  uv_read_stop(p.tcp.stream());
  auto token = wire::OpeningToken(ByteSpan(p.opening.data(), p.have));
  if (!token) {
    // A first leg's session says what is wrong; a second leg is only closed.
    if (p.kind == wire::LegKind::kFirstLeg) {
      Hand(p.self, pending_.end());
    } else {
      Drop(p.self);
      ArmTimer();
    }
    return;
  }
  p.token = *token;
  p.opened = true;
  p.deadline_ms = uv_now(loop_.get()) + options_.wait.count();
  OnOpening(p.self);
}

void LegSorter::OnOpening(PendingList::iterator at) {
  const bool first = (*at)->kind == wire::LegKind::kFirstLeg;
  auto other = Find(first ? wire::LegKind::kSecondLeg : wire::LegKind::kFirstLeg, (*at)->token);
  if (other == pending_.end()) {
    ArmTimer();
    return;
  }
  if (first) {
    Hand(at, other);
  } else {
    Hand(other, at);
  }
}

LegSorter::PendingList::iterator LegSorter::Find(wire::LegKind kind, const wire::LegToken& token) {
  return std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) {
    return p->opened && p->kind == kind && p->token == token;
  });
}

void LegSorter::Hand(PendingList::iterator first, PendingList::iterator second) {
  Sorted sorted;
  sorted.first = std::move((*first)->tcp);
  sorted.already_read.assign((*first)->opening.begin(), (*first)->opening.begin() + (*first)->have);
  sorted.peer = std::move((*first)->peer);
  pending_.erase(first);
  if (second != pending_.end()) {
    sorted.second = std::move((*second)->tcp);
    pending_.erase(second);
  }
  ArmTimer();
  on_sorted_(std::move(sorted));
}

void LegSorter::Drop(PendingList::iterator at) { pending_.erase(at); }

void LegSorter::OnTimer() {
  const std::uint64_t now = uv_now(loop_.get());
  std::vector<Pending*> due;
  for (const auto& p : pending_) {
    if (p->deadline_ms <= now) due.push_back(p.get());
  }
  for (Pending* p : due) {
    if (p->opened && p->kind == wire::LegKind::kFirstLeg) {
      SHOAL_LOG(kDebug) << "relayed connection from " << p->peer
                        << ": its second leg did not come; one connection both ways";
      Hand(p->self, pending_.end());
    } else {
      Drop(p->self);
    }
  }
  ArmTimer();
}

void LegSorter::ArmTimer() {
  if (pending_.empty()) {
    timer_->Stop();
    return;
  }
  std::uint64_t earliest = UINT64_MAX;
  for (const auto& p : pending_) earliest = std::min(earliest, p->deadline_ms);
  const std::uint64_t now = uv_now(loop_.get());
  const auto delay = std::chrono::milliseconds(earliest > now ? earliest - now : 0);
  timer_->Start(delay, [this] { OnTimer(); });
}

}  // namespace shoal::net
