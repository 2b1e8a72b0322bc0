// Shared pieces of the control socket tests: a loop with a server on a
// temp home, a recording handler, and a raw non-blocking client for what
// ControlClient never sends (malformed and oversized lines).
#pragma once

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/scoped_fd.h"
#include "net/control/control_server.h"
#include "net/loop/event_loop.h"
#include "tests/support/temp_dir.h"

namespace shoal::net::testing {

// Replies through `respond` (default: {"echo": request}) and keeps every
// request and reply it saw.
class RecordingHandler : public ControlHandler {
 public:
  void OnRequest(const nlohmann::json& request, ControlReply reply) override;

  std::vector<nlohmann::json> requests;
  std::vector<ControlReply> replies;
  std::function<void(const nlohmann::json&, ControlReply)> respond;
};

struct ControlFixture {
  ControlFixture();
  ~ControlFixture();
  std::string SocketPath() const { return home.File("control.sock"); }
  void Listen(ControlServer::Options options = {});
  // Closes the server and the loop, checking that no handle leaked.
  void Shutdown();

  shoal::testing::TempDir home;
  std::unique_ptr<EventLoop> loop;
  RecordingHandler handler;
  std::unique_ptr<ControlServer> server;
  bool shut_down = false;
};

// A connected socket driven without blocking, from inside RunUntil.
class RawClient {
 public:
  explicit RawClient(const std::string& path);
  void Queue(const std::string& bytes) { outgoing_ += bytes; }
  // Sends what it can, reads what has arrived; false once the peer closed.
  bool Pump();
  // Pops one received line (without newline) into `line`.
  bool TakeLine(std::string& line);
  bool closed() const { return closed_; }
  void Disconnect() { fd_ = ScopedFd(); }

 private:
  ScopedFd fd_;
  std::string outgoing_;
  std::string incoming_;
  bool closed_ = false;
};

}  // namespace shoal::net::testing
