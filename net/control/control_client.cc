#include "net/control/control_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/control/control_protocol.h"
#include "net/control/control_socket.h"

namespace shoal::net {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point DeadlineAfter(std::chrono::milliseconds timeout) {
  return timeout.count() < 0 ? Clock::time_point::max() : Clock::now() + timeout;
}

}  // namespace

Result<ControlClient> ControlClient::Connect(const std::string& socket_path) {
  auto fd = ConnectControlSocket(socket_path);
  if (!fd) return fd.error();
  return ControlClient(std::move(*fd));
}

Result<void> ControlClient::SendLine(const std::string& line) {
  for (std::size_t sent = 0; sent < line.size();) {
    ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Fail(ErrorCode::kIo, std::string("control: send: ") + std::strerror(errno));
    }
    sent += std::size_t(n);
  }
  return {};
}

Result<nlohmann::json> ControlClient::ReadMessage(Clock::time_point deadline, bool forever) {
  for (;;) {
    std::size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      auto message = ParseControlLine(line);
      if (!message || !message->is_object()) {
        return Fail(ErrorCode::kProtocol,
                    "control: the daemon sent a line that is not a JSON object");
      }
      return message;
    }
    if (buffer_.size() > kMaxControlLineBytes) {
      return Fail(ErrorCode::kProtocol, "control: the daemon sent an overlong line");
    }
    int wait_ms = -1;
    if (!forever) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        return Fail(ErrorCode::kBusy, "control: no message within the timeout");
      wait_ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
    }
    pollfd ready{fd_.get(), POLLIN, 0};
    int rc = ::poll(&ready, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Fail(ErrorCode::kIo, std::string("control: poll: ") + std::strerror(errno));
    if (rc == 0) continue;  // the deadline check above ends it
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrorCode::kIo, std::string("control: recv: ") + std::strerror(errno));
    if (n == 0) return Fail(ErrorCode::kIo, "control: the daemon closed the connection");
    buffer_.append(chunk, std::size_t(n));
  }
}

Result<nlohmann::json> ControlClient::Call(const nlohmann::json& request,
                                           std::chrono::milliseconds timeout) {
  if (!request.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "control: a request must be a JSON object");
  }
  const std::uint64_t id = next_id_++;
  nlohmann::json numbered = request;
  numbered["id"] = id;
  if (auto sent = SendLine(ControlLine(numbered)); !sent) return sent.error();
  const auto deadline = DeadlineAfter(timeout);
  for (;;) {
    auto message = ReadMessage(deadline, timeout.count() < 0);
    if (!message) {
      if (message.error().code == ErrorCode::kBusy) {
        return Fail(ErrorCode::kCancelled, "control: the daemon did not answer in time");
      }
      return message.error();
    }
    if (message->contains("event")) {
      events_.push_back(std::move(*message));
      continue;
    }
    auto got = message->find("id");
    if (got == message->end() || *got != id) continue;  // not ours (a stale response)
    auto ok = message->find("ok");
    if (ok != message->end() && *ok == true) {
      auto result = message->find("result");
      return result != message->end() ? *result : nlohmann::json::object();
    }
    auto error = message->find("error");
    if (error == message->end() || !error->is_object()) {
      return Fail(ErrorCode::kProtocol, "control: a response has neither a result nor an error");
    }
    auto code = error->find("code");
    auto text = error->find("message");
    return Fail(ErrorCodeFromControl(code != error->end() && code->is_string()
                                         ? code->get_ref<const std::string&>()
                                         : std::string()),
                text != error->end() && text->is_string() ? text->get<std::string>()
                                                          : std::string("(no message)"));
  }
}

Result<nlohmann::json> ControlClient::NextEvent(std::chrono::milliseconds timeout) {
  const auto deadline = DeadlineAfter(timeout);
  while (events_.empty()) {
    auto message = ReadMessage(deadline, timeout.count() < 0);
    if (!message) return message.error();
    if (message->contains("event")) events_.push_back(std::move(*message));
  }
  nlohmann::json event = std::move(events_.front());
  events_.pop_front();
  return event;
}

}  // namespace shoal::net
