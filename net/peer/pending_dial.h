// PendingDial: an outgoing connection being opened, by whatever means
// (TcpDialer, or a relay's Connect in net/reach/turn_client.h). Destroying
// it cancels: no callback follows. DialFunction is how the peer manager asks
// for one it does not open itself (PeerManager::SetRelayDialer).
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/base/uv_handle.h"

namespace shoal::net {

class PendingDial {
 public:
  virtual ~PendingDial() = default;
};

using DialDone = std::function<void(Result<UvHandle<uv_tcp_t>> connected)>;
// Starts dialing `address`; `done` runs once, later, unless the returned
// PendingDial is destroyed first. A failure to start is returned at once.
using DialFunction = std::function<Result<std::unique_ptr<PendingDial>>(
    const std::string& address, std::chrono::milliseconds timeout, DialDone done)>;

}  // namespace shoal::net
