#include "net/loop/tcp_stream.h"

#include <string>

namespace shoal::net {
struct TcpStream::WriteRequest {
  uv_write_t request{};
  Bytes bytes;
};

TcpStream::TcpStream(UvHandle<uv_tcp_t> tcp) : tcp_(std::move(tcp)) { tcp_->data = this; }

Result<ByteStreamPtr> TcpStream::Adopt(UvHandle<uv_tcp_t> tcp) {
  SHOAL_CHECK(tcp, "TcpStream::Adopt of no handle");
  // Nagle would hold back small frames (Ping, Close) behind unacknowledged data.
  if (int rc = uv_tcp_nodelay(tcp.get(), 1); rc != 0) {
    return Fail(ErrorCode::kIo, std::string("uv_tcp_nodelay: ") + uv_strerror(rc));
  }
  return ByteStreamPtr(new TcpStream(std::move(tcp)));
}

Result<void> TcpStream::Start(Listener* listener, WaterMarks marks) {
  SHOAL_CHECK(listener_ == nullptr && listener != nullptr, "TcpStream::Start twice or to nobody");
  if (closing_) return Fail(ErrorCode::kIo, "start of a closing connection");
  if (auto started = ReadStart(); !started) return started;
  listener_ = listener;
  marks_ = marks;
  return {};
}

Result<void> TcpStream::ReadStart() {
  int rc = uv_read_start(
      tcp_.stream(),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<TcpStream*>(handle->data);
        // Between reads: nothing points into the buffer now.
        if (self->read_buffer_.size() != self->read_buffer_size_) {
          Bytes(self->read_buffer_size_).swap(self->read_buffer_);
        }
        *buf = uv_buf_init(reinterpret_cast<char*>(self->read_buffer_.data()),
                           static_cast<unsigned>(self->read_buffer_.size()));
      },
      [](uv_stream_t* handle, ssize_t nread, const uv_buf_t*) noexcept {
        auto* self = static_cast<TcpStream*>(handle->data);
        if (self->listener_ == nullptr || nread == 0) return;
        if (nread > 0) {
          self->listener_->OnRead(ByteSpan(self->read_buffer_.data(), std::size_t(nread)));
        } else if (nread == UV_EOF) {
          uv_read_stop(handle);
          self->read_ended_ = true;
          self->listener_->OnEof();
        } else {
          uv_read_stop(handle);
          self->read_ended_ = true;
          self->listener_->OnStreamError("read", static_cast<int>(nread));
        }
      });
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_read_start: ") + uv_strerror(rc));
  return {};
}

void TcpStream::PauseReading() {
  if (closing_ || paused_ || read_ended_) return;
  paused_ = true;
  uv_read_stop(tcp_.stream());
}

void TcpStream::ResumeReading() {
  if (closing_ || !paused_) return;
  paused_ = false;
  if (auto started = ReadStart(); !started && listener_ != nullptr) {
    listener_->OnStreamError("read", UV_EIO);
  }
}

Result<void> TcpStream::Write(Bytes bytes) {
  SHOAL_CHECK(!bytes.empty(), "TcpStream::Write of nothing");
  if (closing_) return Fail(ErrorCode::kIo, "write on a closing connection");
  auto* request = new WriteRequest;
  request->bytes = std::move(bytes);
  const std::size_t size = request->bytes.size();
  uv_buf_t buf =
      uv_buf_init(reinterpret_cast<char*>(request->bytes.data()), static_cast<unsigned>(size));
  int rc =
      uv_write(&request->request, tcp_.stream(), &buf, 1, [](uv_write_t* req, int status) noexcept {
        auto* done = reinterpret_cast<WriteRequest*>(req);
        auto* self = static_cast<TcpStream*>(req->handle->data);
        Bytes sent = std::move(done->bytes);
        delete done;
        self->FinishWrite(std::move(sent), status);
      });
  if (rc != 0) {
    delete request;
    return Fail(ErrorCode::kIo, std::string("uv_write: ") + uv_strerror(rc));
  }
  CountQueued(size);
  return {};
}

void TcpStream::Shutdown() {
  if (closing_) return;
  auto* request = new uv_shutdown_t;
  int rc = uv_shutdown(request, tcp_.stream(), [](uv_shutdown_t* req, int status) noexcept {
    auto* self = static_cast<TcpStream*>(req->handle->data);
    delete req;
    if (self->listener_ == nullptr || status == UV_ECANCELED) return;
    if (status < 0) {
      self->listener_->OnStreamError("shutdown", status);
    } else {
      self->listener_->OnShutdown();
    }
  });
  if (rc != 0) {
    delete request;
    if (listener_ != nullptr) listener_->OnStreamError("shutdown", rc);
  }
}

void TcpStream::Close() {
  if (closing_) return;
  closing_ = true;
  uv_read_stop(tcp_.stream());
  tcp_.Close<&TcpStream::OnHandleClosed>();
}

// Runs before UvHandle frees the uv_tcp_t.
void TcpStream::OnHandleClosed(uv_tcp_t* handle) noexcept {
  auto* self = static_cast<TcpStream*>(handle->data);
  self->closed_ = true;
  self->in_close_callback_ = true;
  if (self->listener_ != nullptr) self->listener_->OnClosed();
  self->in_close_callback_ = false;
  if (self->abandoned_) delete self;
}

void TcpStream::AbandonAndClose() {
  listener_ = nullptr;
  abandoned_ = true;
  if (closed_ && !in_close_callback_) {
    delete this;
    return;
  }
  Close();
}

}  // namespace shoal::net
