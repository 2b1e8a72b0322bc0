// ControlClient: the CLI's side of the control socket (docs/api.md). Plain
// blocking POSIX I/O, no event loop: Connect, then Call() sends one request
// and waits for its response; after Call({"cmd":"subscribe"}), NextEvent()
// returns pushed events one by one. Event lines that arrive while Call()
// waits for its response are kept for NextEvent().
//
// Errors: Connect fails with kNotFound and "the daemon is not running —
// start it with `shoal daemon`" when nothing listens; Call() returns the
// daemon's error code and message as an Error; a broken connection or a
// malformed response is kIo/kProtocol.
//
// Thread: one thread at a time. Writes use MSG_NOSIGNAL, so a daemon that
// goes away is an error, never SIGPIPE.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "core/base/result.h"
#include "core/base/scoped_fd.h"

namespace shoal::net {

class ControlClient {
 public:
  static constexpr std::chrono::milliseconds kForever{-1};

  static Result<ControlClient> Connect(const std::string& socket_path);

  // Sends `request` (an object with "cmd"; "id" is assigned here) and
  // returns the response's "result", or its error. kCancelled if `timeout`
  // passes first (the connection is then unusable for further calls).
  Result<nlohmann::json> Call(const nlohmann::json& request,
                              std::chrono::milliseconds timeout = kForever);
  // The next pushed event ({"event": ...}); kBusy if none came within
  // `timeout`, kIo if the daemon closed the connection.
  Result<nlohmann::json> NextEvent(std::chrono::milliseconds timeout);

 private:
  explicit ControlClient(ScopedFd fd) : fd_(std::move(fd)) {}
  Result<void> SendLine(const std::string& line);
  // Reads until one whole line is buffered or `deadline` passes.
  Result<nlohmann::json> ReadMessage(std::chrono::steady_clock::time_point deadline, bool forever);

  ScopedFd fd_;
  std::string buffer_;  // received bytes not yet split into lines
  std::uint64_t next_id_ = 1;
  std::deque<nlohmann::json> events_;
};

}  // namespace shoal::net
