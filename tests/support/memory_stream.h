// An in-memory ByteStream pair on one EventLoop: what one end writes, the
// other reads, in order, on a later turn of the loop. It stands in for a
// transport (TCP, a relay) in tests of whatever runs over a ByteStream
// (net/loop/byte_stream.h), with the same contract:
//  * a write completes once the other end has read it, so a reader that
//    stops (never started, or slow) holds the writer's queue up, and the
//    high/low marks and OnDrained behave as over a socket;
//  * each write is delivered in reads of at most `max_read` bytes, so
//    readers see messages split at arbitrary points;
//  * Shutdown() sends EOF after the queued data, then OnShutdown;
//  * Close() cancels undelivered writes, sends EOF if none was sent, and
//    OnClosed follows on a later turn; after that the other end's writes
//    fail with UV_ECONNRESET (as a reset socket's would);
//  * PauseReading() holds what the other end writes (its writes stay
//    incomplete) until ResumeReading(), even in the middle of a write;
//  * destroying an end's Ptr abandons it (no more callbacks), as with TCP.
//
// Thread: the loop's thread only.
#pragma once

#include <cstddef>
#include <utility>

#include "net/loop/byte_stream.h"
#include "net/loop/event_loop.h"

namespace shoal::testing {

struct MemoryStreamOptions {
  std::size_t max_read = 64 * 1024;
};

std::pair<net::ByteStreamPtr, net::ByteStreamPtr> MemoryStreamPair(
    net::EventLoop& loop, MemoryStreamOptions options = {});

}  // namespace shoal::testing
