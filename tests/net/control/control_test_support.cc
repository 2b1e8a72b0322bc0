#include "tests/net/control/control_test_support.h"

#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "net/control/control_socket.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net::testing {

void RecordingHandler::OnRequest(const nlohmann::json& request, ControlReply reply) {
  requests.push_back(request);
  if (respond) return respond(request, std::move(reply));
  reply(nlohmann::json{{"echo", request}});
}

ControlFixture::ControlFixture() {
  // A client hanging up must not kill the test binary (the daemon does the same).
  std::signal(SIGPIPE, SIG_IGN);
  auto created = EventLoop::Create();
  REQUIRE(created.has_value());
  loop = std::move(*created);
}

ControlFixture::~ControlFixture() {
  if (!shut_down) Shutdown();
}

void ControlFixture::Listen(ControlServer::Options options) {
  auto listening = ControlServer::Listen(*loop, SocketPath(), handler, options);
  if (!listening) FAIL(listening.error().ToString());
  server = std::move(*listening);
}

void ControlFixture::Shutdown() {
  shut_down = true;
  handler.replies.clear();
  if (server != nullptr) {
    bool closed = false;
    server->Close([&] { closed = true; });
    CHECK(RunUntil(*loop, [&] { return closed; }));
    server.reset();
  }
  auto closed = loop->Close();
  CHECK(closed.has_value());
}

RawClient::RawClient(const std::string& path) {
  auto fd = ConnectControlSocket(path);
  REQUIRE(fd.has_value());
  fd_ = std::move(*fd);
}

bool RawClient::Pump() {
  while (!outgoing_.empty()) {
    ssize_t n = ::send(fd_.get(), outgoing_.data(), outgoing_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    outgoing_.erase(0, std::size_t(n));
  }
  char chunk[64 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      incoming_.append(chunk, std::size_t(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed_ = true;
    break;
  }
  return !closed_;
}

bool RawClient::TakeLine(std::string& line) {
  Pump();
  auto newline = incoming_.find('\n');
  if (newline == std::string::npos) return false;
  line = incoming_.substr(0, newline);
  incoming_.erase(0, newline + 1);
  return true;
}

}  // namespace shoal::net::testing
