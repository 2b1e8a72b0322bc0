#include "net/loop/tcp_stream.h"

#include <algorithm>
#include <string>

namespace shoal::net {
namespace {

Result<void> NoDelay(uv_tcp_t* tcp) {
  // Nagle would hold back small frames (Ping, Close) behind unacknowledged data.
  if (int rc = uv_tcp_nodelay(tcp, 1); rc != 0) {
    return Fail(ErrorCode::kIo, std::string("uv_tcp_nodelay: ") + uv_strerror(rc));
  }
  return {};
}

}  // namespace

struct TcpStream::WriteRequest {
  uv_write_t request{};
  Bytes bytes;
};

TcpStream::TcpStream(UvHandle<uv_tcp_t> first, UvHandle<uv_tcp_t> second, LegRole role)
    : role_(role) {
  legs_[0].tcp = std::move(first);
  legs_[1].tcp = std::move(second);
  for (int leg = 0; leg < 2; ++leg) {
    if (!legs_[leg].tcp) continue;
    legs_[leg].tcp->data = this;
    leg_ptr_[leg] = legs_[leg].tcp.get();
    ++open_handles_;
  }
  // Until the switch: an initiator leaves its second leg unread (what the
  // peer may write there waits in the kernel); a responder watches its own.
  legs_[1].use = role == LegRole::kInitiator ? Use::kParked : Use::kWatch;
}

Result<ByteStreamPtr> TcpStream::Adopt(UvHandle<uv_tcp_t> tcp) {
  SHOAL_CHECK(tcp, "TcpStream::Adopt of no handle");
  if (auto set = NoDelay(tcp.get()); !set) return set.error();
  return ByteStreamPtr(new TcpStream(std::move(tcp), {}, LegRole::kInitiator));
}

Result<ByteStreamPtr> TcpStream::AdoptLegs(UvHandle<uv_tcp_t> first, UvHandle<uv_tcp_t> second,
                                           LegRole role) {
  SHOAL_CHECK(first && second, "TcpStream::AdoptLegs needs both legs");
  if (auto set = NoDelay(first.get()); !set) return set.error();
  if (auto set = NoDelay(second.get()); !set) return set.error();
  return ByteStreamPtr(new TcpStream(std::move(first), std::move(second), role));
}

Result<void> TcpStream::Start(Listener* listener, WaterMarks marks) {
  SHOAL_CHECK(listener_ == nullptr && listener != nullptr, "TcpStream::Start twice or to nobody");
  if (closing_) return Fail(ErrorCode::kIo, "start of a closing connection");
  for (int leg = 0; leg < 2; ++leg) {
    if (legs_[leg].use == Use::kParked) continue;
    if (auto started = ReadStart(leg); !started) return started;
  }
  listener_ = listener;
  marks_ = marks;
  return {};
}

Result<void> TcpStream::ReadStart(int leg) {
  Leg& l = legs_[leg];
  if (!l.tcp || l.reading || l.read_ended) return {};
  int rc = uv_read_start(
      l.tcp.stream(),
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
        self->OnLegRead(self->LegOf(reinterpret_cast<uv_tcp_t*>(handle)), nread);
      });
  if (rc != 0) return Fail(ErrorCode::kIo, std::string("uv_read_start: ") + uv_strerror(rc));
  l.reading = true;
  return {};
}

void TcpStream::ReadStop(int leg) {
  Leg& l = legs_[leg];
  if (!l.tcp || !l.reading) return;
  uv_read_stop(l.tcp.stream());
  l.reading = false;
}

void TcpStream::OnLegRead(int leg, ssize_t nread) {
  if (listener_ == nullptr || nread == 0) return;
  Leg& l = legs_[leg];
  if (nread > 0 && l.use == Use::kRead) {
    const ByteSpan bytes(read_buffer_.data(), std::size_t(nread));
    if (read_leg_ != write_leg_) MaybeNudge(leg, bytes.size());
    listener_->OnRead(bytes);
    return;
  }
  if (nread > 0 && l.use == Use::kWatch &&
      std::all_of(read_buffer_.begin(), read_buffer_.begin() + nread,
                  [](std::uint8_t b) { return b == kNudge; })) {
    return;  // the peer's nudges on the leg it reads
  }
  ReadStop(leg);
  l.read_ended = true;
  if (nread > 0) {
    listener_->OnStreamError("read (data on the leg that carries only our writes)", UV_EPROTO);
  } else if (nread != UV_EOF) {
    listener_->OnStreamError("read", static_cast<int>(nread));
  } else if (l.use == Use::kRead) {
    listener_->OnEof();
  }
  // The EOF of a leg only written on means nothing: the peer's half-close
  // comes on the leg it writes on.
}

// A relay's hops from the leg's writer carry data one way only, so their
// ACKs, with the window updates the writer waits for, can be held back by
// delayed ACK (40 ms) when a receive window is smaller than a loopback MSS,
// as coturn's hop between two of its allocations is: measured, 512 MiB
// one way took 40-50 s in about half the runs instead of 6. A byte back
// now and then makes every hop carry data both ways, and the ACK rides
// with it.
void TcpStream::MaybeNudge(int leg, std::size_t read) {
  since_nudge_ += read;
  if (since_nudge_ < kNudgeEvery) return;
  since_nudge_ = 0;
  static const char nudge = static_cast<char>(kNudge);
  uv_buf_t buf = uv_buf_init(const_cast<char*>(&nudge), 1);
  (void)uv_try_write(legs_[leg].tcp.stream(), &buf, 1);  // a nudge missed is no loss
}

void TcpStream::UseSecondLeg() {
  if (!legs_[1].tcp || closing_) return;
  if (role_ == LegRole::kResponder) {
    write_leg_ = 1;
    return;
  }
  legs_[0].use = Use::kWatch;
  legs_[1].use = Use::kRead;
  read_leg_ = 1;
  Result<void> started = ReadStart(0);  // no-op unless paused stopped it
  if (started && !paused_) started = ReadStart(1);
  if (!started && listener_ != nullptr) listener_->OnStreamError("read", UV_EIO);
}

void TcpStream::DropSecondLeg() {
  Leg& l = legs_[1];
  if (!l.tcp || closing_ || write_leg_ == 1 || read_leg_ == 1) return;
  ReadStop(1);
  l.read_ended = true;
  l.tcp.Close<&TcpStream::OnHandleClosed>();
}

void TcpStream::PauseReading() {
  if (closing_ || paused_) return;
  paused_ = true;
  ReadStop(read_leg_);
}

void TcpStream::ResumeReading() {
  if (closing_ || !paused_) return;
  paused_ = false;
  if (auto started = ReadStart(read_leg_); !started && listener_ != nullptr) {
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
  int rc = uv_write(&request->request, legs_[write_leg_].tcp.stream(), &buf, 1,
                    [](uv_write_t* req, int status) noexcept {
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

Result<void> TcpStream::WriteSecondLeg(Bytes bytes) {
  if (!legs_[1].tcp || closing_) {
    return Fail(ErrorCode::kInvalidArgument, "no second leg to write on");
  }
  auto* request = new WriteRequest;
  request->bytes = std::move(bytes);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(request->bytes.data()),
                             static_cast<unsigned>(request->bytes.size()));
  // Its outcome is the leg's: a refused opening shows as EOF or an error
  // on the leg, which only ends that leg.
  int rc =
      uv_write(&request->request, legs_[1].tcp.stream(), &buf, 1,
               [](uv_write_t* req, int) noexcept { delete reinterpret_cast<WriteRequest*>(req); });
  if (rc != 0) {
    delete request;
    return Fail(ErrorCode::kIo, std::string("uv_write: ") + uv_strerror(rc));
  }
  return {};
}

void TcpStream::Shutdown() {
  if (closing_) return;
  auto* request = new uv_shutdown_t;
  int rc = uv_shutdown(request, legs_[write_leg_].tcp.stream(),
                       [](uv_shutdown_t* req, int status) noexcept {
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
  for (int leg = 0; leg < 2; ++leg) {
    ReadStop(leg);
    if (legs_[leg].tcp) legs_[leg].tcp.Close<&TcpStream::OnHandleClosed>();
  }
}

// Runs before UvHandle frees the uv_tcp_t.
void TcpStream::OnHandleClosed(uv_tcp_t* handle) noexcept {
  auto* self = static_cast<TcpStream*>(handle->data);
  self->leg_ptr_[self->LegOf(handle)] = nullptr;
  if (--self->open_handles_ > 0 || !self->closing_) return;
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
