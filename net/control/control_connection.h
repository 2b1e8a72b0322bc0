// ControlConnection: one accepted client of the control socket (internal to
// net/control). Splits what it reads into lines (at most `max_line_bytes`
// each; a longer line closes the connection), hands each to its owner, and
// writes response and event lines with a bounded queue: a client that lets
// more than `max_write_queue_bytes` pile up is disconnected, not buffered.
//
// Ownership: the connection owns its uv_pipe_t through a ControlPipe (a
// UvHandle whose close callback also counts it off a HandleTracker, so
// ControlServer knows when every handle is gone). The connection object
// itself is shared: the server holds it while open, replies hold it weakly,
// and a read callback holds it for its own duration, so it may be closed
// from anywhere; destroying it closes the pipe too.
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

#include "core/base/result.h"
#include "core/base/uv_handle.h"

namespace shoal::net {

// Counts open handles; runs `done` once the count returns to zero.
struct HandleTracker {
  int open = 0;
  std::function<void()> done;
  void Closed();
};

class ControlConnection;

// What a control pipe's callbacks reach through its `data`. It outlives the
// ControlConnection: after uv_close libuv still calls pending writes back
// (UV_ECANCELED), just before the close callback that frees this state.
struct PipeState {
  ControlConnection* owner = nullptr;             // cleared when the pipe closes
  std::function<void(int status)> on_connection;  // a listener's; cleared on close
  std::shared_ptr<HandleTracker> tracker;
};

// ControlPipe: a UvHandle<uv_pipe_t> (core/base/uv_handle.h) whose `data`
// is a heap PipeState, counted by a HandleTracker. Closing it (Close(),
// destruction, assigning over it) clears the state's callbacks and closes
// the pipe with UvHandle::Close<&OnClosed>; that close callback deletes the
// state and counts the handle off, so the tracker's `done` runs once the
// last pipe of a server has been freed.
class ControlPipe {
 public:
  // A new pipe on `loop`, counted by `tracker`; kIo if libuv refuses.
  static Result<ControlPipe> Create(uv_loop_t* loop, std::shared_ptr<HandleTracker> tracker);

  ControlPipe() = default;
  ControlPipe(ControlPipe&&) noexcept = default;
  ControlPipe& operator=(ControlPipe&& other) noexcept;
  ~ControlPipe() { Close(); }

  uv_pipe_t* get() const { return handle_.get(); }
  uv_stream_t* stream() const { return handle_.stream(); }
  PipeState& state() const { return *static_cast<PipeState*>(handle_->data); }
  explicit operator bool() const { return static_cast<bool>(handle_); }

  // Closes now (no-op when empty) and leaves this empty.
  void Close() noexcept;

 private:
  explicit ControlPipe(UvHandle<uv_pipe_t> handle) : handle_(std::move(handle)) {}
  static void OnClosed(uv_pipe_t* pipe) noexcept;

  UvHandle<uv_pipe_t> handle_;
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
  static std::shared_ptr<ControlConnection> Start(ControlPipe pipe, Owner* owner, Limits limits,
                                                  std::uint64_t id);
  ControlConnection(ControlPipe pipe, Owner* owner, Limits limits, std::uint64_t id);
  ControlConnection(const ControlConnection&) = delete;
  ControlConnection& operator=(const ControlConnection&) = delete;

  // Queues one line (newline included); no-op once closing.
  void Send(std::string line);
  // Closes without telling the owner (the owner is going away).
  void Detach();
  void Close();

  std::uint64_t id() const { return id_; }
  bool closing() const { return !pipe_; }
  bool subscribed = false;

 private:
  void OnRead(ssize_t nread);
  void OnWritten(std::size_t size, int status);

  ControlPipe pipe_;  // empty once closing
  Owner* owner_;
  Limits limits_;
  std::uint64_t id_;
  std::vector<char> read_buffer_;
  std::string pending_;  // bytes of an unfinished line
  std::size_t queued_bytes_ = 0;
};

}  // namespace shoal::net
