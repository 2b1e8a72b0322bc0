// Session: one authenticated, encrypted connection to a paired device over a
// ByteStream (net/loop/byte_stream.h): TCP today, any reliable ordered
// stream tomorrow (DESIGN.md "Handshake", "Transport"; docs/protocol.md
// "State machine").
//
//   preamble → Noise XX (HandshakeDriver) → authorize(peer) → Hello ↔ Hello
//   → messages both ways (RecordSealer / RecordOpener) → Close
//
// Pairing (docs/protocol.md "Pairing"): preamble type 2 → XXpsk3 with
// `pairing_psk` → PairAccept (joiner's commitment) → PairAccept (inviter's
// nonce) → PairReveal (joiner's nonce) → OnPaired → Close(normal); never
// `authorize` or OnEstablished. Responders follow the initiator's preamble.
//
// The peer's static key is checked with `authorize` as soon as the handshake
// completes and before anything else is sent; an unknown device gets
// Close(unauthorized) and nothing else. The session itself never sends
// anything about folders: after Hello it only carries what its owner sends.
//
// Ending: every session ends exactly once with SessionDelegate::OnEnd, after
// its stream has closed. Malformed input of any kind ends it with
// kProtocolError (Close(protocol error) is sent when the transport is up);
// EOF without a Close record is kTruncated. Close() ends it locally: Close
// is sent, the write side shut, and the handle closed when the peer's EOF
// arrives (or after `close_linger`).
//
// Lifetime: the owner keeps the Session until OnEnd to end it gracefully;
// destroying it earlier drops the connection at once with no callbacks. The
// owner may destroy it from inside any delegate callback except
// `authorize`, which must be a plain predicate.
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/rate_meter.h"
#include "core/base/result.h"
#include "core/base/uv_handle.h"
#include "core/model/device_id.h"
#include "net/identity/identity.h"
#include "net/loop/byte_stream.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"
#include "net/pairing/comparison_exchange.h"
#include "net/session/handshake_driver.h"
#include "net/session/session_delegate.h"
#include "net/session/transport.h"
#include "net/wire/compression.h"
#include "net/wire/frame.h"
#include "net/wire/messages.h"
#include "net/wire/preamble.h"

namespace shoal::net {

struct SessionOptions {
  // The initiator's choice; a responder follows the initiator's preamble.
  wire::HandshakeType handshake = wire::HandshakeType::kPaired;
  // Required by a pairing initiator (the typed code's psk); a responder
  // without it, or getting nullopt, refuses pairing. Called on the loop thread.
  PairingPskSource pairing_psk;
  wire::Hello hello;  // what this side announces; PairAccept carries its device name
  // Offer AESGCM (used when the peer offers it too, docs/protocol.md "Cipher
  // negotiation"); it is offered only where the CPU has AES-NI. Tests turn
  // it off to play a peer without it.
  bool offer_aes_gcm = true;
  // From the start until the peer's Hello (or PairAccept) has arrived: the
  // pre-authentication deadline, short so that strangers cannot hold
  // connections open.
  std::chrono::milliseconds handshake_timeout{5'000};
  // A Ping goes out when nothing else was sent for this long.
  std::chrono::milliseconds keepalive_interval{30'000};
  // The session ends (kTimeout) when nothing was received for this long.
  std::chrono::milliseconds idle_timeout{90'000};
  // After sending Close, how long to wait for the peer's EOF.
  std::chrono::milliseconds close_linger{2'000};
  // Backpressure (see Session::writable()).
  std::size_t write_high_water = std::size_t{8} << 20;
  std::size_t write_low_water = std::size_t{2} << 20;
  // Send fails with kBusy rather than queue more than this.
  std::size_t write_queue_limit = std::size_t{64} << 20;
};

// Says whether a device (the peer's authenticated static key) is paired.
using Authorize = std::function<bool(const DeviceId& device)>;

class Session {
 public:
  // Takes `stream` (connected, not started, on `loop`); on failure it is
  // closed. The initiator is the side that opened the connection.
  // `delegate` must outlive the Session. Nothing is called back before the
  // loop runs. `already_read`: what the owner read from the stream before
  // (a relayed connection's opening, net/peer/leg_sorter.h), handled as the
  // first bytes received.
  //
  // Two legs (docs/protocol.md "Two legs"): over a stream with a second leg
  // (ByteStream::has_second_leg), a paired initiator offers kOfferTwoLegs
  // and writes the second leg's opening; a responder offers it back in its
  // preamble and writes everything after that on the second leg.
  static Result<std::unique_ptr<Session>> Start(EventLoop& loop, ByteStreamPtr stream,
                                                const Identity& identity, Role role,
                                                Authorize authorize, SessionDelegate& delegate,
                                                SessionOptions options, Bytes already_read = {});
  // The same over a TCP connection (a TcpStream).
  static Result<std::unique_ptr<Session>> Start(EventLoop& loop, UvHandle<uv_tcp_t> tcp,
                                                const Identity& identity, Role role,
                                                Authorize authorize, SessionDelegate& delegate,
                                                SessionOptions options);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Packs, encrypts and queues one message. Fails with kInvalidArgument
  // before OnEstablished or once the session began ending (also inside
  // callbacks for messages that arrived just before the end, e.g. the
  // peer's Close in the same read), and with kBusy when the write queue
  // would exceed write_queue_limit; nothing is sent then. A Response is
  // the whole answer to a request (offset 0), cut into pieces as
  // SendResponse does.
  Result<void> Send(const wire::PeerMessage& message);
  // All Responses for one request: a block (code kOk, up to 4 MiB) is cut
  // into pieces; an error code is one Response without data. The bulk
  // path: the block is read where it lies, never copied into a Response.
  Result<void> SendResponse(std::uint32_t request_id, wire::ResponseCode code, ByteSpan block);
  Result<void> SendPing();
  // Fails with kInvalidArgument when the peer does not take part in hole
  // punching (punches() is false).
  Result<void> SendPunch(const wire::Punch& message);
  // Ends the session: sends Close(reason, text), shuts the write side and
  // reports OnEnd(kLocalClose) once the connection is closed. Idempotent.
  void Close(wire::CloseReason reason = wire::CloseReason::kNormal, std::string text = {});

  // True between the peer's Hello and the start of the end.
  bool established() const;
  // True until the handshake has completed: the peer is not known yet.
  bool handshaking() const { return state_ <= State::kHandshake; }
  // The authenticated peer, once the handshake has completed.
  const std::optional<DeviceId>& peer() const;
  // The transport cipher both sides agreed on, once the handshake completed.
  const std::optional<NoiseCipher>& cipher() const { return cipher_; }
  // The peer decodes block-list deltas (its preamble said so); known once
  // the handshake completed.
  bool peer_accepts_block_deltas() const { return peer_accepts_block_deltas_; }
  // Connections the session runs on: 2 once it uses a second leg
  // (docs/protocol.md "Two legs"), else 1; settled once the preambles
  // are exchanged.
  int legs() const { return stream_->has_second_leg() ? 2 : 1; }
  // The peer takes part in hole punching (kOfferPunch); known once the
  // handshake completed.
  bool punches() const { return peer_punches_; }
  // Bytes queued for writing and not yet written.
  std::size_t WriteQueueBytes() const;
  // False from the moment WriteQueueBytes() reaches write_high_water until
  // it falls to write_low_water, when OnWritable fires. Callers stop
  // producing while it is false.
  bool writable() const;
  // Bytes read from / handed to the socket so far: preamble, handshake and
  // sealed frames, i.e. what crosses the wire (not plaintext).
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  // Bytes per second on the socket over the last few seconds (RateMeter).
  double receive_rate() const {
    return receive_rate_.PerSecond(static_cast<std::int64_t>(NowMs()));
  }
  double send_rate() const { return send_rate_.PerSecond(static_cast<std::int64_t>(NowMs())); }
  // How long nothing has arrived from the peer (a live peer pings when it
  // has been quiet for its keepalive interval).
  std::chrono::milliseconds quiet_for() const {
    return std::chrono::milliseconds(NowMs() - last_receive_ms_);
  }

 private:
  // Ordered: comparisons like `state_ >= State::kEnding` are meaningful.
  enum class State { kPreamble, kHandshake, kAwaitHello, kOpen, kEnding, kEnded };
  // Decoded and checked, waiting to be handed to the delegate.
  using Inbound = std::variant<wire::Hello, wire::PeerMessage, wire::Ping, wire::Close,
                               wire::PairAccept, wire::Punch>;
  // Receives the stream's callbacks (kept off Session's public face).
  class StreamEvents;

  Session(EventLoop& loop, Authorize authorize, SessionDelegate& delegate, SessionOptions options);
  Result<void> Begin(ByteStreamPtr stream, const Identity& identity, Role role, Bytes already_read);

  // Receiving (session_receive.cc).
  void OnRead(ByteSpan bytes);
  // Decodes and delivers `bytes` one message at a time: a message is
  // decoded only once the one before it was handed over, so what one read
  // holds (dozens of small compressed records) never becomes dozens of
  // decoded messages at once. Once the loop turn has run for
  // kDeliverBudget, reading pauses and the rest waits in unread_ for a
  // later turn (OnBacklogTurn), so a backlog cannot hold the loop, and with
  // it status and other sessions, for seconds.
  void Process(ByteSpan bytes);
  // Consumes `bytes` up to and including the frame that completes the next
  // message (or all of them); returns how many it consumed.
  Result<std::size_t> Consume(ByteSpan bytes);
  Result<void> MoveToSecondLeg(std::size_t left);
  Result<void> OnFrame(ByteSpan frame);
  Result<void> FinishHandshake();
  Result<void> Accept(wire::Message message);
  Result<void> AcceptHello(ByteSpan body);
  // Pairing: the comparison exchange (net/pairing/comparison_exchange.h).
  Result<void> SendPairAccept(const wire::PairingValue& value);
  Result<void> AcceptPairAccept(ByteSpan body);
  Result<void> AcceptPairReveal(ByteSpan body);
  Result<void> FinishPairing();
  Result<void> AcceptResponse(wire::Response response);
  // Hands the inbox to the delegate, in order; false when the owner
  // destroyed us.
  bool Deliver();
  void OnBacklogTurn();
  void EndOnError(const Error& error);
  static constexpr std::chrono::milliseconds kDeliverBudget{20};
  // Until the peer is authenticated: what one read may bring, and the
  // largest handshake frame (XX's largest message is 96 bytes).
  static constexpr std::size_t kPreAuthReadBuffer = 16 * 1024;
  static constexpr std::size_t kMaxHandshakeFrame = 1024;
  static constexpr std::size_t kReadBuffer = 256 * 1024;  // afterwards

  // Sending (session_send.cc).
  Result<void> SendMessage(wire::RecordType type, const Bytes& body);
  Result<void> CheckCanSend(std::size_t size) const;
  Result<void> Transmit(const std::vector<Bytes>& records);
  Result<void> WriteRaw(Bytes bytes);

  // Timers and ending (session.cc).
  void OnHandshakeDeadline();
  void OnIdleCheck();
  void OnKeepalive();
  std::uint64_t NowMs() const { return uv_now(loop_.get()); }
  void End(SessionEnd end, std::string detail, std::optional<wire::CloseReason> close);
  void OnEof();
  void OnStreamError(std::string_view what, int status);
  void OnShutdown();
  void OnClosed();

  EventLoop& loop_;
  Authorize authorize_;
  SessionDelegate& delegate_;
  SessionOptions options_;
  std::unique_ptr<StreamEvents> events_;
  ByteStreamPtr stream_;
  std::unique_ptr<Timer> deadline_;        // handshake, then idle, then close linger
  std::unique_ptr<Timer> keepalive_;       // Ping when we have been quiet
  std::unique_ptr<Timer> backlog_;         // the next turn of a paused delivery
  std::optional<HandshakeDriver> driver_;  // until the handshake completes
  std::optional<RecordSealer> sealer_;     // once it has
  std::optional<RecordOpener> opener_;
  wire::FrameReader frames_;
  wire::Compressor zstd_;  // outgoing bodies
  Bytes preamble_in_;
  std::deque<Inbound> inbox_;
  Bytes unread_;                 // read, not yet decoded: a backlog
  bool reading_paused_ = false;  // while there is a backlog
  std::optional<DeviceId> peer_;
  std::optional<NoiseCipher> cipher_;
  bool peer_accepts_block_deltas_ = false;
  bool hello_addresses_ = false;  // both preambles offer kOfferHelloAddresses
  bool peer_punches_ = false;     // both preambles offer kOfferPunch
  bool pairing_ = false;          // handshake type 2, known once the handshake completed
  bool joiner_ = false;           // we dialed: the initiator, on a pairing connection the joiner
  std::optional<ComparisonExchange> exchange_;   // pairing only, from the handshake's end
  std::optional<wire::PairAccept> peer_accept_;  // pairing only, once it arrived
  std::string comparison_code_;                  // pairing only, once the exchange completed
  State state_ = State::kPreamble;
  bool peer_sent_cluster_config_ = false;
  bool sent_cluster_config_ = false;
  bool sent_request_ = false;
  bool closed_by_owner_ = false;
  bool eof_ = false;
  bool shutdown_done_ = false;
  std::uint64_t last_receive_ms_ = 0;
  std::uint64_t last_send_ms_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_sent_ = 0;
  RateMeter receive_rate_;
  RateMeter send_rate_;
  SessionEndInfo end_;
  // Expires when the Session is destroyed; checked after delegate calls.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace shoal::net
