// Session lifecycle: start, timers, and the one way every session ends
// (End → Close record → shutdown → peer's EOF or linger → handle closed →
// OnEnd). Receiving is in session_receive.cc, sending in session_send.cc.
#include "net/session/session.h"

#include <string>

#include "core/base/log.h"
#include "core/base/utf8.h"
#include "net/loop/tcp_stream.h"
#include "net/wire/leg_opening.h"
#include "net/wire/record_packer.h"

namespace shoal::net {

std::string_view SessionEndName(SessionEnd end) {
  switch (end) {
    case SessionEnd::kClosedByPeer:
      return "closed by peer";
    case SessionEnd::kTruncated:
      return "truncated";
    case SessionEnd::kProtocolError:
      return "protocol error";
    case SessionEnd::kUnauthorized:
      return "unauthorized";
    case SessionEnd::kTimeout:
      return "timeout";
    case SessionEnd::kLocalClose:
      return "closed locally";
    case SessionEnd::kIoError:
      return "I/O error";
  }
  return "unknown";
}

bool IsConnectionFailure(SessionEnd end) {
  return end == SessionEnd::kTimeout || end == SessionEnd::kIoError ||
         end == SessionEnd::kTruncated;
}

class Session::StreamEvents : public ByteStream::Listener {
 public:
  explicit StreamEvents(Session& session) : session_(session) {}
  void OnRead(ByteSpan bytes) override { session_.OnRead(bytes); }
  void OnEof() override { session_.OnEof(); }
  void OnStreamError(std::string_view what, int status) override {
    session_.OnStreamError(what, status);
  }
  void OnShutdown() override { session_.OnShutdown(); }
  void OnDrained() override {
    if (session_.state_ == State::kOpen) session_.delegate_.OnWritable();
  }
  void OnClosed() override { session_.OnClosed(); }

 private:
  Session& session_;
};

Session::Session(EventLoop& loop, Authorize authorize, SessionDelegate& delegate,
                 SessionOptions options)
    : loop_(loop),
      authorize_(std::move(authorize)),
      delegate_(delegate),
      options_(std::move(options)),
      events_(std::make_unique<StreamEvents>(*this)) {}

// Members go in reverse order: timers close, then the stream is abandoned
// (closed without callbacks), then events_.
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::Start(EventLoop& loop, ByteStreamPtr stream,
                                                const Identity& identity, Role role,
                                                Authorize authorize, SessionDelegate& delegate,
                                                SessionOptions options, Bytes already_read) {
  std::unique_ptr<Session> session(
      new Session(loop, std::move(authorize), delegate, std::move(options)));
  if (auto begun = session->Begin(std::move(stream), identity, role, std::move(already_read));
      !begun) {
    return begun.error();
  }
  return session;
}

Result<std::unique_ptr<Session>> Session::Start(EventLoop& loop, UvHandle<uv_tcp_t> tcp,
                                                const Identity& identity, Role role,
                                                Authorize authorize, SessionDelegate& delegate,
                                                SessionOptions options) {
  auto stream = TcpStream::Adopt(std::move(tcp));
  if (!stream) return stream.error().Wrap("session");
  return Start(loop, std::move(*stream), identity, role, std::move(authorize), delegate,
               std::move(options));
}

Result<void> Session::Begin(ByteStreamPtr stream, const Identity& identity, Role role,
                            Bytes already_read) {
  joiner_ = role == Role::kInitiator;
  stream_ = std::move(stream);
  // Until the peer proves a key, a connection costs little (DESIGN.md
  // "Handshake"; docs/security.md "Strangers").
  stream_->SetReadBufferSize(kPreAuthReadBuffer);
  frames_.set_max_body(kMaxHandshakeFrame);
  if (options_.write_low_water > options_.write_high_water ||
      options_.write_high_water > options_.write_queue_limit) {
    return Fail(ErrorCode::kInvalidArgument, "session: write marks must be low <= high <= limit");
  }
  if (auto started = stream_->Start(
          events_.get(), {.high = options_.write_high_water, .low = options_.write_low_water});
      !started) {
    return started.error().Wrap("session");
  }
  const bool two_legs =
      stream_->has_second_leg() &&
      (role == Role::kResponder || options_.handshake == wire::HandshakeType::kPaired);
  auto driver = HandshakeDriver::Create({.role = role,
                                         .type = options_.handshake,
                                         .static_private_key = identity.noise_private_key(),
                                         .pairing_psk = options_.pairing_psk,
                                         .offer_aes_gcm = options_.offer_aes_gcm,
                                         .offer_two_legs = two_legs});
  if (!driver) return driver.error().Wrap("session");
  driver_.emplace(std::move(*driver));
  auto deadline = Timer::Create(loop_);
  if (!deadline) return deadline.error();
  deadline_ = std::move(*deadline);
  auto keepalive = Timer::Create(loop_);
  if (!keepalive) return keepalive.error();
  keepalive_ = std::move(*keepalive);
  auto backlog = Timer::Create(loop_);
  if (!backlog) return backlog.error();
  backlog_ = std::move(*backlog);

  last_receive_ms_ = last_send_ms_ = NowMs();
  deadline_->Start(options_.handshake_timeout, [this] { OnHandshakeDeadline(); });
  if (role == Role::kInitiator) {
    Bytes out;
    if (auto started = driver_->Start(out); !started) return started.error().Wrap("session");
    if (auto written = WriteRaw(std::move(out)); !written) return written.error();
    if (two_legs) {
      const auto opening = wire::EncodeSecondLegOpening(*driver_->early_ephemeral_public());
      if (auto written = stream_->WriteSecondLeg(Bytes(opening.begin(), opening.end())); !written) {
        return written.error().Wrap("session");
      }
    }
  }
  if (!already_read.empty()) {
    // Handled on the loop's next turn, like a read, before anything else is read.
    bytes_received_ += already_read.size();
    unread_ = std::move(already_read);
    reading_paused_ = true;
    stream_->PauseReading();
    backlog_->Start(std::chrono::milliseconds(0), [this] { OnBacklogTurn(); });
  }
  return {};
}

void Session::OnHandshakeDeadline() {
  if (state_ >= State::kOpen) return;
  End(SessionEnd::kTimeout,
      std::string(pairing_ ? "pairing not completed within " : "no Hello within ") +
          std::to_string(options_.handshake_timeout.count()) + " ms",
      wire::CloseReason::kTimeout);
}

void Session::OnIdleCheck() {
  if (state_ != State::kOpen) return;
  const std::uint64_t idle_ms = options_.idle_timeout.count();
  const std::uint64_t quiet = NowMs() - last_receive_ms_;
  if (quiet >= idle_ms) {
    End(SessionEnd::kTimeout, "nothing received for " + std::to_string(quiet) + " ms",
        wire::CloseReason::kTimeout);
    return;
  }
  deadline_->Start(std::chrono::milliseconds(idle_ms - quiet), [this] { OnIdleCheck(); });
}

void Session::OnKeepalive() {
  if (state_ != State::kOpen) return;
  const std::uint64_t interval_ms = options_.keepalive_interval.count();
  std::uint64_t quiet = NowMs() - last_send_ms_;
  if (quiet >= interval_ms) {
    stream_->ReleaseSpareBuffers();  // quiet for a while: no bulk transfer to reuse them for
    if (auto sent = SendPing(); !sent) return;  // only fails when ending or full
    quiet = 0;
  }
  keepalive_->Start(std::chrono::milliseconds(interval_ms - quiet), [this] { OnKeepalive(); });
}

void Session::Close(wire::CloseReason reason, std::string text) {
  if (state_ >= State::kEnding) return;
  closed_by_owner_ = true;
  End(SessionEnd::kLocalClose, std::move(text), reason);
}

void Session::End(SessionEnd end, std::string detail, std::optional<wire::CloseReason> close) {
  if (state_ >= State::kEnding) return;
  state_ = State::kEnding;
  end_ = {end, detail};
  const std::string who = peer_ ? ShortIdString(peer_->ShortId()) : std::string("(handshake)");
  if (end == SessionEnd::kProtocolError || end == SessionEnd::kIoError) {
    SHOAL_LOG(kWarning) << "session " << who << ": " << SessionEndName(end) << ": " << detail;
  } else {
    SHOAL_LOG(kInfo) << "session " << who << ": " << SessionEndName(end) << ": " << detail;
  }
  keepalive_->Stop();
  unread_.clear();        // nothing more is decoded once ending
  if (reading_paused_) {  // the peer's EOF must get through
    reading_paused_ = false;
    stream_->ResumeReading();
  }
  if (end == SessionEnd::kIoError) {
    stream_->Close();
    return;
  }
  if (close && sealer_) {
    wire::Close message{.reason = *close, .text = {}};
    if (detail.size() <= wire::kMaxCloseTextLen && IsValidUtf8(detail)) message.text = detail;
    // Best effort: the session ends whether or not the peer learns why.
    (void)Transmit(wire::PackMessage(wire::RecordType::kClose, wire::Encode(message), zstd_));
  }
  stream_->Shutdown();
  deadline_->Start(options_.close_linger, [this] { stream_->Close(); });
}

void Session::OnEof() {
  eof_ = true;
  if (state_ < State::kEnding) {
    std::string detail = "connection closed during the handshake";
    if (state_ == State::kOpen) detail = "connection closed without Close";
    if (pairing_) {
      detail =
          "the peer closed the connection before confirming pairing (wrong invite code, "
          "or its invite expired)";
    }
    End(SessionEnd::kTruncated, std::move(detail), std::nullopt);
  } else if (shutdown_done_) {
    stream_->Close();
  }
}

void Session::OnShutdown() {
  shutdown_done_ = true;
  if (eof_) stream_->Close();
}

void Session::OnStreamError(std::string_view what, int status) {
  if (state_ >= State::kEnding) {
    stream_->Close();  // keep the reason the session was already ending for
    return;
  }
  End(SessionEnd::kIoError, std::string(what) + ": " + uv_strerror(status), std::nullopt);
}

void Session::OnClosed() {
  // A backlog still in the inbox comes before OnEnd.
  if (!inbox_.empty() && !Deliver()) return;
  backlog_->Stop();
  state_ = State::kEnded;
  deadline_->Stop();
  keepalive_->Stop();
  delegate_.OnEnd(end_);  // last: the owner may destroy us here
}

bool Session::established() const { return state_ == State::kOpen; }
const std::optional<DeviceId>& Session::peer() const { return peer_; }
std::size_t Session::WriteQueueBytes() const { return stream_->WriteQueueBytes(); }
bool Session::writable() const { return !stream_->AboveHighWater(); }

}  // namespace shoal::net
