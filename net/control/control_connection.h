// ControlConnection: one accepted client of the control socket (internal to
// net/control). Splits what it reads into lines (at most `max_line_bytes`
// each; a longer line closes the connection), hands each to its owner, and
// writes response and event lines with a bounded queue: a client that lets
// more than `max_write_queue_bytes` pile up is disconnected, not buffered.
//
// Ownership: the uv_pipe_t lives in a heap PipeHandle freed by its close
// callback, which also counts it off a HandleTracker (so ControlServer knows
// when every handle is gone). The connection object itself is shared: the
// server holds it while open, replies hold it weakly, and a read callback
// holds it for its own duration, so it may be closed from anywhere.
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::net {

// Counts open handles; runs `done` once the count returns to zero.
struct HandleTracker {
  int open = 0;
  std::function<void()> done;
  void Closed();
};

class ControlConnection;

struct PipeHandle {
  uv_pipe_t pipe{};                               // pipe.data points back here
  ControlConnection* owner = nullptr;             // cleared when the connection closes
  std::function<void(int status)> on_connection;  // a listener's; cleared on close
  std::shared_ptr<HandleTracker> tracker;

  // A new handle on `loop`, counted by `tracker`; nullptr if libuv refuses.
  static PipeHandle* Create(uv_loop_t* loop, std::shared_ptr<HandleTracker> tracker);
  // uv_close, then delete and count off in the close callback.
  void Close();
};

class ControlConnection : public std::enable_shared_from_this<ControlConnection> {
 public:
  struct Owner {
    virtual ~Owner() = default;
    virtual void OnLine(ControlConnection& connection, std::string_view line) = 0;
    // The connection closed (by either side); the last call it makes.
    virtual void OnClosed(ControlConnection& connection) = 0;
  };
  struct Limits {
    std::size_t max_line_bytes;
    std::size_t max_write_queue_bytes;
  };

  // Takes `handle` (accepted) and starts reading; closes it on failure.
  static std::shared_ptr<ControlConnection> Start(PipeHandle* handle, Owner* owner, Limits limits,
                                                  std::uint64_t id);
  ControlConnection(PipeHandle* handle, Owner* owner, Limits limits, std::uint64_t id);
  ControlConnection(const ControlConnection&) = delete;
  ControlConnection& operator=(const ControlConnection&) = delete;

  // Queues one line (newline included); no-op once closing.
  void Send(std::string line);
  // Closes without telling the owner (the owner is going away).
  void Detach();
  void Close();

  std::uint64_t id() const { return id_; }
  bool closing() const { return handle_ == nullptr; }
  bool subscribed = false;

 private:
  void OnRead(ssize_t nread);
  void OnWritten(std::size_t size, int status);

  PipeHandle* handle_;  // nullptr once closing
  Owner* owner_;
  Limits limits_;
  std::uint64_t id_;
  std::vector<char> read_buffer_;
  std::string pending_;  // bytes of an unfinished line
  std::size_t queued_bytes_ = 0;
};

}  // namespace shoal::net
