// ControlServer: the daemon's local control socket (DESIGN.md "Daemon and
// control", docs/api.md). Newline-delimited JSON over a Unix stream socket
// that only its user can open (BindControlSocket: mode 0600, stale files
// replaced, a live daemon refused). Each request line goes to a
// ControlHandler with a ControlReply that sends its one response line, now
// or later. The server itself answers malformed lines (an error response;
// the connection stays usable), closes a connection on a line longer than
// `max_line_bytes`, and handles {"cmd":"subscribe"}: that connection then
// receives every Publish()ed event line. A client whose unsent lines exceed
// `max_write_queue_bytes` (a subscriber that stopped reading) is disconnected.
//
// Lifetime: Close(done) stops listening, closes every connection, removes
// the socket file, and calls `done` once every handle has closed: from the
// last one's close callback (UvHandle::Close<&OnClosed>), whose memory is
// freed as soon as `done` returns, so a loop that stops running after
// `done` closes cleanly. Destroying the server without Close() does the
// same without a callback. Replies
// outliving their connection (or the server) do nothing when called.
//
// Thread: the loop's thread only, ControlReply included (post to the loop
// from workers first). The process must ignore SIGPIPE (the daemon does):
// a client that hangs up would otherwise kill it on the next write.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "net/control/control_connection.h"
#include "net/control/control_protocol.h"
#include "net/loop/event_loop.h"

namespace shoal::net {

// Sends the response to one request. Copyable; every copy shares one state,
// so only the first call sends (later ones are ignored, with a warning).
// A value becomes {"ok":true,"result":value}, an Error becomes
// {"ok":false,"error":{"code","message"}}. If every copy is dropped without
// a call, the client gets a "cancelled" error instead of waiting forever.
class ControlReply {
 public:
  // A reply that hands its response object ({"id":null,"ok":...}) to
  // `send` instead of a control connection: how the web interface runs the
  // same commands (cli/gui/gui_api.h).
  static ControlReply Calling(std::function<void(const nlohmann::json& response)> send);

  void operator()(Result<nlohmann::json> result) const;
  bool answered() const;

 private:
  friend class ControlServer;
  struct State;
  explicit ControlReply(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Implemented by the daemon. `request` is an object whose "cmd" is a string
// (never "subscribe"); unknown commands should reply kNotFound.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual void OnRequest(const nlohmann::json& request, ControlReply reply) = 0;
};

// Runs `request` through `handler`; a handler that throws (a field of an
// unexpected type read without checking) fails the request, not the daemon.
void HandleControlRequest(ControlHandler& handler, const nlohmann::json& request,
                          const ControlReply& reply);

struct ControlServerOptions {
  std::size_t max_line_bytes = kMaxControlLineBytes;
  std::size_t max_write_queue_bytes = std::size_t{4} << 20;
};

class ControlServer {
 public:
  using Options = ControlServerOptions;

  // Binds `socket_path` and listens on `loop`. kBusy if a daemon already
  // answers there; `handler` must outlive the server.
  static Result<std::unique_ptr<ControlServer>> Listen(EventLoop& loop, std::string socket_path,
                                                       ControlHandler& handler,
                                                       Options options = {});
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  // Sends `event` (an object with a string "event") to every subscriber.
  void Publish(const nlohmann::json& event);
  void Close(std::function<void()> done);

  const std::string& socket_path() const { return socket_path_; }
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t subscriber_count() const;

 private:
  class Dispatch;  // ControlConnection::Owner
  ControlServer(EventLoop& loop, std::string socket_path, ControlHandler& handler, Options options);
  void OnConnection(int status);
  void OnLine(ControlConnection& connection, std::string_view line);

  EventLoop& loop_;
  std::string socket_path_;
  ControlHandler& handler_;
  Options options_;
  std::unique_ptr<Dispatch> dispatch_;
  std::shared_ptr<HandleTracker> tracker_;
  ControlPipe listener_;  // empty once closed
  std::uint64_t socket_device_ = 0;
  std::uint64_t socket_inode_ = 0;
  std::uint64_t next_connection_id_ = 1;
  std::map<std::uint64_t, std::shared_ptr<ControlConnection>> connections_;
  bool closed_ = false;
};

}  // namespace shoal::net
