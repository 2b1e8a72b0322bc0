#include "net/reach/stun_channel.h"

#include "net/reach/stun_message.h"

namespace shoal::net {

struct StunChannel::Write {
  uv_write_t request{};
  Bytes bytes;
  std::shared_ptr<bool> alive;
  StunChannel* channel = nullptr;
};

StunChannel::StunChannel(UvHandle<uv_tcp_t> tcp, OnMessage on_message, OnError on_error)
    : tcp_(std::move(tcp)),
      on_message_(std::move(on_message)),
      on_error_(std::move(on_error)),
      buffer_(stun::kHeaderSize),
      alive_(std::make_shared<bool>(true)) {
  tcp_->data = this;
}

StunChannel::~StunChannel() {
  *alive_ = false;
  if (tcp_) uv_read_stop(tcp_.stream());
}

Result<std::unique_ptr<StunChannel>> StunChannel::Start(UvHandle<uv_tcp_t> tcp,
                                                        OnMessage on_message, OnError on_error) {
  SHOAL_CHECK(tcp, "StunChannel::Start of no handle");
  uv_tcp_nodelay(tcp.get(), 1);
  std::unique_ptr<StunChannel> channel(
      new StunChannel(std::move(tcp), std::move(on_message), std::move(on_error)));
  int rc = uv_read_start(
      channel->tcp_.stream(),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<StunChannel*>(handle->data);
        *buf = uv_buf_init(reinterpret_cast<char*>(self->buffer_.data() + self->have_),
                           static_cast<unsigned>(self->Wanted()));
      },
      [](uv_stream_t* handle, ssize_t nread, const uv_buf_t*) noexcept {
        auto* self = static_cast<StunChannel*>(handle->data);
        if (nread > 0) {
          self->OnBytes(static_cast<std::size_t>(nread));
        } else if (nread < 0) {
          self->Failed({ErrorCode::kIo, nread == UV_EOF
                                            ? std::string("the TURN server closed the connection")
                                            : std::string("read: ") + uv_strerror(int(nread))});
        }
      });
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_read_start: ") + uv_strerror(rc));
  return channel;
}

std::size_t StunChannel::Wanted() const { return buffer_.size() - have_; }

void StunChannel::OnBytes(std::size_t count) {
  have_ += count;
  if (have_ == stun::kHeaderSize && buffer_.size() == stun::kHeaderSize) {
    auto size = stun::FramedSize(buffer_);
    if (!size) return Failed(size.error().Wrap("TURN server"));
    buffer_.resize(**size);
  }
  if (have_ < buffer_.size()) return;
  Bytes message = std::move(buffer_);
  buffer_.assign(stun::kHeaderSize, 0);
  have_ = 0;
  on_message_(std::move(message));  // may destroy us, or Release()
}

void StunChannel::Failed(Error error) {
  if (tcp_) uv_read_stop(tcp_.stream());
  if (on_error_) {
    auto on_error = std::move(on_error_);
    on_error_ = nullptr;
    on_message_ = nullptr;
    on_error(error);  // may destroy us
  }
}

Result<void> StunChannel::Send(Bytes message) {
  if (!tcp_) return Fail(ErrorCode::kIo, "send on a released TURN connection");
  auto* write = new Write{.bytes = std::move(message), .alive = alive_, .channel = this};
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(write->bytes.data()),
                             static_cast<unsigned>(write->bytes.size()));
  write->request.data = write;
  int rc = uv_write(&write->request, tcp_.stream(), &buf, 1, [](uv_write_t* request, int status) {
    std::unique_ptr<Write> done(static_cast<Write*>(request->data));
    if (status == 0 || status == UV_ECANCELED || !*done->alive) return;
    done->channel->Failed({ErrorCode::kIo, std::string("write: ") + uv_strerror(status)});
  });
  if (rc != 0) {
    delete write;
    return Fail(ErrorCode::kIo, std::string("write: ") + uv_strerror(rc));
  }
  return {};
}

UvHandle<uv_tcp_t> StunChannel::Release() {
  if (tcp_) uv_read_stop(tcp_.stream());
  on_message_ = nullptr;
  on_error_ = nullptr;
  return std::move(tcp_);
}

}  // namespace shoal::net
