#include "net/control/control_server.h"

#include <utility>
#include <vector>

#include "core/base/log.h"
#include "net/control/control_connection.h"
#include "net/control/control_socket.h"

namespace shoal::net {

struct ControlReply::State {
  std::function<void(const nlohmann::json& response)> send;
  nlohmann::json id;
  bool answered = false;

  void Send(const nlohmann::json& response) {
    if (send) send(response);
  }
  ~State() {
    if (answered) return;
    Send(ErrorResponse(
        id, Error{ErrorCode::kCancelled, "the daemon dropped the request without answering"}));
  }
};

void ControlReply::operator()(Result<nlohmann::json> result) const {
  if (state_->answered) {
    SHOAL_LOG(kWarning) << "control: a second reply to request " << state_->id.dump()
                        << " was dropped";
    return;
  }
  state_->answered = true;
  state_->Send(result ? OkResponse(state_->id, std::move(*result))
                      : ErrorResponse(state_->id, result.error()));
}

bool ControlReply::answered() const { return state_->answered; }

ControlReply ControlReply::Calling(std::function<void(const nlohmann::json& response)> send) {
  auto state = std::make_shared<State>();
  state->send = std::move(send);
  return ControlReply(std::move(state));
}

void HandleControlRequest(ControlHandler& handler, const nlohmann::json& request,
                          const ControlReply& reply) {
  try {
    handler.OnRequest(request, reply);
  } catch (const std::exception& e) {
    SHOAL_LOG(kWarning) << "control: " << request.value("cmd", std::string())
                        << " failed: " << e.what();
    if (!reply.answered()) {
      reply(Error{ErrorCode::kInvalidArgument,
                  std::string("the request could not be handled: ") + e.what()});
    }
  }
}

class ControlServer::Dispatch : public ControlConnection::Owner {
 public:
  explicit Dispatch(ControlServer& server) : server_(server) {}
  void OnLine(ControlConnection& connection, std::string_view line) override {
    server_.OnLine(connection, line);
  }
  void OnClosed(ControlConnection& connection) override {
    server_.connections_.erase(connection.id());
  }

 private:
  ControlServer& server_;
};

ControlServer::ControlServer(EventLoop& loop, std::string socket_path, ControlHandler& handler,
                             Options options)
    : loop_(loop),
      socket_path_(std::move(socket_path)),
      handler_(handler),
      options_(options),
      dispatch_(std::make_unique<Dispatch>(*this)),
      tracker_(std::make_shared<HandleTracker>()) {}

Result<std::unique_ptr<ControlServer>> ControlServer::Listen(EventLoop& loop,
                                                             std::string socket_path,
                                                             ControlHandler& handler,
                                                             Options options) {
  auto bound = BindControlSocket(socket_path);
  if (!bound) return bound.error();
  std::unique_ptr<ControlServer> server(
      new ControlServer(loop, std::move(socket_path), handler, options));
  server->socket_device_ = bound->device;
  server->socket_inode_ = bound->inode;
  auto listener = ControlPipe::Create(loop.get(), server->tracker_);
  if (!listener) {
    RemoveControlSocket(server->socket_path_, bound->device, bound->inode);
    server->closed_ = true;
    return Fail(ErrorCode::kIo, "control: " + listener.error().message);
  }
  server->listener_ = std::move(*listener);
  ControlPipe& pipe = server->listener_;
  int rc = uv_pipe_open(pipe.get(), bound->fd.get());
  if (rc == 0) {
    (void)bound->fd.Release();  // the pipe handle closes it now
    ControlServer* self = server.get();
    pipe.state().on_connection = [self](int status) { self->OnConnection(status); };
    rc = uv_listen(pipe.stream(), 16, [](uv_stream_t* stream, int status) noexcept {
      auto* state = static_cast<PipeState*>(stream->data);
      if (state->on_connection) state->on_connection(status);
    });
  }
  if (rc != 0) {
    server->Close(nullptr);
    return Fail(ErrorCode::kIo, std::string("control: listen: ") + uv_strerror(rc));
  }
  return server;
}

ControlServer::~ControlServer() {
  if (!closed_) Close(nullptr);
}

void ControlServer::OnConnection(int status) {
  if (status < 0) {
    SHOAL_LOG(kWarning) << "control: accept: " << uv_strerror(status);
    return;
  }
  auto client = ControlPipe::Create(loop_.get(), tracker_);
  if (!client) {
    SHOAL_LOG(kWarning) << "control: accept: " << client.error().message;
    return;
  }
  int rc = uv_accept(listener_.stream(), client->stream());
  if (rc != 0) {
    SHOAL_LOG(kWarning) << "control: accept: " << uv_strerror(rc);
    return;  // dropping `client` closes it
  }
  const std::uint64_t id = next_connection_id_++;
  auto connection =
      ControlConnection::Start(std::move(*client), dispatch_.get(),
                               {options_.max_line_bytes, options_.max_write_queue_bytes}, id);
  if (connection != nullptr) connections_.emplace(id, std::move(connection));
}

void ControlServer::OnLine(ControlConnection& connection, std::string_view line) {
  ControlRequest decoded = DecodeControlRequest(line);
  if (!decoded.request) {
    connection.Send(ControlLine(ErrorResponse(decoded.id, decoded.request.error())));
    return;
  }
  const nlohmann::json& request = *decoded.request;
  if (request["cmd"].get_ref<const std::string&>() == "subscribe") {
    connection.subscribed = true;
    connection.Send(ControlLine(OkResponse(decoded.id, nlohmann::json::object())));
    return;
  }
  auto state = std::make_shared<ControlReply::State>();
  state->send = [open = connection.weak_from_this()](const nlohmann::json& response) {
    if (auto alive = open.lock()) alive->Send(ControlLine(response));
  };
  state->id = std::move(decoded.id);
  HandleControlRequest(handler_, request, ControlReply(std::move(state)));
}

void ControlServer::Publish(const nlohmann::json& event) {
  std::vector<std::shared_ptr<ControlConnection>> subscribers;
  for (const auto& [id, connection] : connections_) {
    if (connection->subscribed) subscribers.push_back(connection);
  }
  if (subscribers.empty()) return;
  const std::string line = ControlLine(event);
  // Sending may disconnect a slow subscriber, which edits connections_.
  for (const auto& subscriber : subscribers) subscriber->Send(line);
}

std::size_t ControlServer::subscriber_count() const {
  std::size_t count = 0;
  for (const auto& [id, connection] : connections_) count += connection->subscribed ? 1 : 0;
  return count;
}

void ControlServer::Close(std::function<void()> done) {
  if (closed_) {
    if (done) done();
    return;
  }
  closed_ = true;
  tracker_->done = std::move(done);
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) connection->Detach();
  if (listener_) {
    listener_.Close();
    RemoveControlSocket(socket_path_, socket_device_, socket_inode_);
  }
  if (tracker_->open == 0 && tracker_->done) std::exchange(tracker_->done, nullptr)();
}

}  // namespace shoal::net
