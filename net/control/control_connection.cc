#include "net/control/control_connection.h"

#include <utility>

#include "core/base/log.h"

namespace shoal::net {
namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;

struct WriteRequest {
  uv_write_t request{};
  std::string bytes;  // owned until libuv calls back, even with UV_ECANCELED
};

}  // namespace

void HandleTracker::Closed() {
  if (--open > 0 || !done) return;
  auto run = std::move(done);
  done = nullptr;
  run();
}

Result<ControlPipe> ControlPipe::Create(uv_loop_t* loop, std::shared_ptr<HandleTracker> tracker) {
  auto handle = UvHandle<uv_pipe_t>::Init(loop, uv_pipe_init, 0);
  if (!handle) return handle.error();
  ++tracker->open;
  (*handle)->data = new PipeState{nullptr, nullptr, std::move(tracker)};  // freed by OnClosed
  return ControlPipe(std::move(*handle));
}

ControlPipe& ControlPipe::operator=(ControlPipe&& other) noexcept {
  Close();
  handle_ = std::move(other.handle_);
  return *this;
}

void ControlPipe::Close() noexcept {
  if (!handle_) return;
  state().owner = nullptr;
  state().on_connection = nullptr;
  handle_.Close<&ControlPipe::OnClosed>();
}

void ControlPipe::OnClosed(uv_pipe_t* pipe) noexcept {
  std::unique_ptr<PipeState> state(static_cast<PipeState*>(pipe->data));
  auto tracker = std::move(state->tracker);
  state.reset();
  tracker->Closed();  // may run the server's `done`; the pipe's memory goes after
}

std::shared_ptr<ControlConnection> ControlConnection::Start(ControlPipe pipe, Owner* owner,
                                                            Limits limits, std::uint64_t id) {
  uv_stream_t* stream = pipe.stream();
  auto connection = std::make_shared<ControlConnection>(std::move(pipe), owner, limits, id);
  int rc = uv_read_start(
      stream,
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<PipeState*>(h->data)->owner;
        *buf = uv_buf_init(self->read_buffer_.data(),
                           static_cast<unsigned>(self->read_buffer_.size()));
      },
      [](uv_stream_t* h, ssize_t nread, const uv_buf_t*) noexcept {
        auto* raw = static_cast<PipeState*>(h->data)->owner;
        if (raw == nullptr) return;
        auto self = raw->shared_from_this();  // may be closed and dropped while reading
        self->OnRead(nread);
      });
  if (rc != 0) {
    SHOAL_LOG(kWarning) << "control: uv_read_start: " << uv_strerror(rc);
    connection->Detach();
    return nullptr;
  }
  return connection;
}

ControlConnection::ControlConnection(ControlPipe pipe, Owner* owner, Limits limits,
                                     std::uint64_t id)
    : pipe_(std::move(pipe)),
      owner_(owner),
      limits_(limits),
      id_(id),
      read_buffer_(kReadBufferSize) {
  pipe_.state().owner = this;
}

void ControlConnection::OnRead(ssize_t nread) {
  if (nread == 0) return;
  if (nread < 0) {
    if (nread != UV_EOF) {
      SHOAL_LOG(kDebug) << "control: read: " << uv_strerror(int(nread));
    }
    return Close();
  }
  std::size_t search_from = pending_.size();
  pending_.append(read_buffer_.data(), std::size_t(nread));
  std::size_t line_start = 0;
  bool too_long = false;
  for (std::size_t newline = pending_.find('\n', search_from); newline != std::string::npos;
       newline = pending_.find('\n', line_start)) {
    std::string_view line(pending_.data() + line_start, newline - line_start);
    line_start = newline + 1;
    if (line.size() > limits_.max_line_bytes) {
      too_long = true;
      break;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) owner_->OnLine(*this, line);
    if (closing()) return;  // the owner closed us (or everything) meanwhile
  }
  if (!too_long) {
    pending_.erase(0, line_start);
    too_long = pending_.size() > limits_.max_line_bytes;  // an unfinished line
  }
  if (too_long) {
    SHOAL_LOG(kWarning) << "control: a request line exceeds " << limits_.max_line_bytes
                        << " bytes; closing the connection";
    Close();
  }
}

void ControlConnection::Send(std::string line) {
  if (closing()) return;
  if (queued_bytes_ + line.size() > limits_.max_write_queue_bytes) {
    SHOAL_LOG(kWarning) << "control: a client stopped reading (" << queued_bytes_
                        << " bytes queued); disconnecting it";
    return Close();
  }
  auto* request = new WriteRequest;
  request->bytes = std::move(line);
  const std::size_t size = request->bytes.size();
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(size));
  int rc = uv_write(&request->request, pipe_.stream(), &buf, 1,
                    [](uv_write_t* req, int status) noexcept {
                      auto* done = reinterpret_cast<WriteRequest*>(req);
                      // The state outlives the pipe's owner (see PipeState).
                      auto* state = static_cast<PipeState*>(req->handle->data);
                      const std::size_t written = done->bytes.size();
                      delete done;
                      if (state->owner != nullptr) state->owner->OnWritten(written, status);
                    });
  if (rc != 0) {
    delete request;
    SHOAL_LOG(kDebug) << "control: write: " << uv_strerror(rc);
    return Close();
  }
  queued_bytes_ += size;
}

void ControlConnection::OnWritten(std::size_t size, int status) {
  queued_bytes_ -= size;
  if (status < 0 && status != UV_ECANCELED) {
    SHOAL_LOG(kDebug) << "control: write: " << uv_strerror(status);
    Close();
  }
}

void ControlConnection::Detach() {
  owner_ = nullptr;
  Close();
}

void ControlConnection::Close() {
  if (closing()) return;
  ControlPipe pipe = std::move(pipe_);  // closing() from here on
  uv_read_stop(pipe.stream());
  pipe.Close();
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->OnClosed(*this);  // may drop us
}

}  // namespace shoal::net
