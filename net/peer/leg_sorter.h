// LegSorter: what a connection to our relayed address is, told from its
// first bytes (net/wire/leg_opening.h, docs/protocol.md "Two legs"), and the
// pairing of a session's two legs.
//
// Each connection added is read to its first 8 bytes, and on to its
// 42-byte opening when those announce one, never further, so nothing past
// it is consumed:
// - a plain opening (any peer before two legs, a pairing, anything
//   malformed) is handed on at once, as a single connection;
// - a first leg (a paired preamble offering two legs) is read to its token
//   and handed on with its second leg once that arrives, or alone after
//   `wait`, so a second leg that cannot get through costs that much;
// - a second leg is read to its token and kept until its first leg comes,
//   for at most `wait`; one that finds none is closed.
// A connection that has not shown its opening within `opening_timeout`, or
// ends first, is closed. At most `max_pending` are held at once; a newcomer
// beyond that replaces the oldest (handed on alone if it is a first leg
// that showed its opening, closed otherwise), so strangers cannot pile up
// sockets.
//
// Thread: the loop's thread only. `on_sorted` must neither destroy the
// sorter nor call Add.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "core/base/bytes.h"
#include "core/base/uv_handle.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/wire/leg_opening.h"

namespace shoal::net {

class LegSorter {
 public:
  struct Options {
    std::chrono::milliseconds wait{3000};
    std::chrono::milliseconds opening_timeout{5000};
    std::size_t max_pending = 64;
  };
  struct Sorted {
    UvHandle<uv_tcp_t> first;
    Bytes already_read;         // the first connection's bytes read here, for its session
    UvHandle<uv_tcp_t> second;  // the session's second leg; empty for a single one
    std::string peer;           // where the relay saw the first connection come from
  };
  using OnSorted = std::function<void(Sorted sorted)>;

  static Result<std::unique_ptr<LegSorter>> Create(EventLoop& loop, OnSorted on_sorted,
                                                   Options options);
  ~LegSorter();
  LegSorter(const LegSorter&) = delete;
  LegSorter& operator=(const LegSorter&) = delete;

  // Takes a connection (connected, not reading) that `peer` made.
  void Add(UvHandle<uv_tcp_t> tcp, std::string peer);
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending;
  using PendingList = std::list<std::unique_ptr<Pending>>;
  LegSorter(EventLoop& loop, OnSorted on_sorted, Options options, std::unique_ptr<Timer> timer);
  void OnOpeningRead(Pending& p, ssize_t nread);
  void OnOpening(PendingList::iterator at);
  PendingList::iterator Find(wire::LegKind kind, const wire::LegToken& token);
  void Hand(PendingList::iterator first, PendingList::iterator second);
  void Drop(PendingList::iterator at);
  void OnTimer();
  void ArmTimer();

  EventLoop& loop_;
  OnSorted on_sorted_;
  Options options_;
  std::unique_ptr<Timer> timer_;
  PendingList pending_;
  std::uint64_t dropped_ = 0;  // since the last log line about them
  std::uint64_t dropped_logged_ms_ = 0;
};

}  // namespace shoal::net
