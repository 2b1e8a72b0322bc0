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

uv_stream_t* AsStream(PipeHandle* handle) { return reinterpret_cast<uv_stream_t*>(&handle->pipe); }

}  // namespace

void HandleTracker::Closed() {
  if (--open > 0 || !done) return;
  auto run = std::move(done);
  done = nullptr;
  run();
}

PipeHandle* PipeHandle::Create(uv_loop_t* loop, std::shared_ptr<HandleTracker> tracker) {
  auto* handle = new PipeHandle;
  if (uv_pipe_init(loop, &handle->pipe, 0) != 0) {
    delete handle;  // not registered with the loop
    return nullptr;
  }
  handle->pipe.data = handle;
  handle->tracker = std::move(tracker);
  ++handle->tracker->open;
  return handle;
}

void PipeHandle::Close() {
  owner = nullptr;
  on_connection = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe), [](uv_handle_t* closed) noexcept {
    auto* self = static_cast<PipeHandle*>(closed->data);
    auto counter = std::move(self->tracker);
    delete self;
    counter->Closed();
  });
}

std::shared_ptr<ControlConnection> ControlConnection::Start(PipeHandle* handle, Owner* owner,
                                                            Limits limits, std::uint64_t id) {
  auto connection = std::make_shared<ControlConnection>(handle, owner, limits, id);
  int rc = uv_read_start(
      AsStream(handle),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<PipeHandle*>(h->data)->owner;
        *buf = uv_buf_init(self->read_buffer_.data(),
                           static_cast<unsigned>(self->read_buffer_.size()));
      },
      [](uv_stream_t* h, ssize_t nread, const uv_buf_t*) noexcept {
        auto* raw = static_cast<PipeHandle*>(h->data)->owner;
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

ControlConnection::ControlConnection(PipeHandle* handle, Owner* owner, Limits limits,
                                     std::uint64_t id)
    : handle_(handle), owner_(owner), limits_(limits), id_(id), read_buffer_(kReadBufferSize) {
  handle_->owner = this;
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
  int rc = uv_write(&request->request, AsStream(handle_), &buf, 1,
                    [](uv_write_t* req, int status) noexcept {
                      auto* done = reinterpret_cast<WriteRequest*>(req);
                      auto* handle = static_cast<PipeHandle*>(req->handle->data);
                      const std::size_t written = done->bytes.size();
                      delete done;
                      if (handle->owner != nullptr) handle->owner->OnWritten(written, status);
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
  PipeHandle* handle = std::exchange(handle_, nullptr);
  uv_read_stop(AsStream(handle));
  handle->Close();
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->OnClosed(*this);  // may drop us
}

}  // namespace shoal::net
