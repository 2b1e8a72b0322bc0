// Session, receiving side: preamble, handshake frames, then transport
// frames decrypted into messages, checked against the state machine
// (docs/protocol.md "State machine") and handed to the delegate.
#include <algorithm>
#include <string>

#include "core/base/log.h"
#include "net/pairing/comparison_exchange.h"
#include "net/session/session.h"
#include "net/wire/record_packer.h"

namespace shoal::net {
namespace {

Error OutOfOrder(wire::RecordType type, std::string_view why) {
  return Error{ErrorCode::kProtocol,
               std::string(wire::RecordTypeName(type)).append(" ").append(why)};
}

}  // namespace

void Session::OnRead(ByteSpan bytes) {
  last_receive_ms_ = NowMs();
  bytes_received_ += bytes.size();
  receive_rate_.Add(bytes.size(), static_cast<std::int64_t>(last_receive_ms_));
  if (state_ >= State::kEnding) return;  // ending: drain until EOF, read nothing
  Process(bytes);
}

void Session::Process(ByteSpan bytes) {
  // Time this loop turn has run: libuv stamps uv_now when the turn's I/O
  // begins, on the same monotonic clock as uv_hrtime (coarser), so reads,
  // sessions and timers of one turn share the budget.
  const auto turn_spent_ms = [this] {
    return static_cast<std::int64_t>(uv_hrtime() / 1'000'000) - static_cast<std::int64_t>(NowMs());
  };
  while (state_ < State::kEnding) {
    auto consumed = Consume(bytes);
    const bool delivering = !inbox_.empty();
    // A message that arrived intact before a failure is still delivered.
    if (!Deliver()) return;
    if (!consumed) {
      EndOnError(consumed.error());
      return;
    }
    bytes = bytes.subspan(*consumed);
    if (delivering && turn_spent_ms() >= kDeliverBudget.count()) {
      // Spent: no more this turn, not even the next read. `bytes` may point
      // into unread_ itself: copy before replacing it.
      Bytes rest(bytes.begin(), bytes.end());
      unread_ = std::move(rest);
      if (!reading_paused_) {
        reading_paused_ = true;
        stream_->PauseReading();
      }
      backlog_->Start(std::chrono::milliseconds(1), [this] { OnBacklogTurn(); });
      return;
    }
    if (bytes.empty()) break;
  }
  unread_.clear();
  if (reading_paused_ && state_ < State::kEnding) {
    reading_paused_ = false;
    stream_->ResumeReading();
  }
}

void Session::EndOnError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kIo:
      End(SessionEnd::kIoError, error.message, std::nullopt);
      break;
    case ErrorCode::kUnauthorized:  // pairing: no active invite, wrong invite code
      End(SessionEnd::kUnauthorized, error.message, wire::CloseReason::kUnauthorized);
      break;
    default:
      End(SessionEnd::kProtocolError, error.message, wire::CloseReason::kProtocolError);
  }
}

Result<std::size_t> Session::Consume(ByteSpan bytes) {
  std::size_t used = 0;
  if (state_ == State::kPreamble) {
    const std::size_t take = std::min(bytes.size(), wire::kPreambleSize - preamble_in_.size());
    preamble_in_.insert(preamble_in_.end(), bytes.begin(), bytes.begin() + take);
    used = take;
    if (preamble_in_.size() < wire::kPreambleSize) return used;
    Bytes out;
    auto accepted = driver_->OnPreamble(preamble_in_, out);
    // A refusing responder still sends its own preamble before closing.
    if (!out.empty()) {
      if (auto written = WriteRaw(std::move(out)); !written) return written.error();
    }
    if (!accepted) return accepted.error();
    state_ = State::kHandshake;
    if (stream_->has_second_leg()) {
      if (auto moved = MoveToSecondLeg(bytes.size() - used); !moved) return moved.error();
    }
  }
  if (used == bytes.size()) return used;
  auto framed = frames_.FeedUntil(
      bytes.subspan(used), [this](ByteSpan frame) { return OnFrame(frame); },
      [this] { return !inbox_.empty() || state_ >= State::kEnding; });
  if (!framed) return framed.error();
  return used + *framed;
}

// Two legs (docs/protocol.md "Two legs"), once the preambles are
// exchanged: a responder's own went out on the first leg with the offer,
// and the rest goes on the second; an initiator reads the rest on the
// second if the responder's preamble took it, and drops it otherwise.
// `left` bytes followed the responder's preamble on the first leg.
Result<void> Session::MoveToSecondLeg(std::size_t left) {
  if (!joiner_) {
    stream_->UseSecondLeg();
    return {};
  }
  if (!driver_->offers_two_legs() || !driver_->peer_two_legs()) {
    stream_->DropSecondLeg();
    return {};
  }
  if (left != 0) {
    return Fail(ErrorCode::kProtocol,
                "two legs: the peer took the second leg yet wrote on the first after its preamble");
  }
  stream_->UseSecondLeg();
  return {};
}

Result<void> Session::OnFrame(ByteSpan frame) {
  if (state_ >= State::kEnding) return {};  // after Close or a refusal: ignore the rest
  if (state_ == State::kHandshake) {
    Bytes out;
    if (auto read = driver_->OnFrame(frame, out); !read) return read;
    if (!out.empty()) {
      if (auto written = WriteRaw(std::move(out)); !written) return written;
    }
    if (driver_->complete()) return FinishHandshake();
    return {};
  }
  auto opened = opener_->Open(frame);
  if (!opened) return opened.error().Wrap("transport");
  if (opened->response) return AcceptResponse(std::move(*opened->response));
  if (!opened->message) return {};  // a fragment of a longer message
  return Accept(std::move(*opened->message));
}

Result<void> Session::FinishHandshake() {
  pairing_ = driver_->type() == wire::HandshakeType::kPairing;
  if (pairing_) {
    auto exchange = ComparisonExchange::Start(
        joiner_ ? ComparisonExchange::Side::kJoiner : ComparisonExchange::Side::kInviter,
        driver_->handshake_hash());
    if (!exchange) return exchange.error();
    exchange_.emplace(std::move(*exchange));
  }
  auto ciphers = driver_->Split();
  if (!ciphers) return ciphers.error();
  peer_ = driver_->peer();
  cipher_ = driver_->cipher();
  peer_accepts_block_deltas_ = driver_->peer_accepts_block_deltas();
  hello_addresses_ = driver_->hello_addresses();
  peer_punches_ = driver_->punch();
  driver_.reset();  // wipes the handshake's secrets
  // Whoever it is, it proved its key: full-size frames and reads from now
  // on (an unpaired device is closed below before it can send any).
  frames_.set_max_body(wire::kMaxFrameBody);
  stream_->SetReadBufferSize(kReadBuffer);
  sealer_.emplace(std::move(ciphers->send));
  opener_.emplace(std::move(ciphers->receive));
  if (pairing_) {
    // The psk stands in for authorization: the peer cannot be paired yet.
    // The joiner commits to its nonce at once; the inviter answers only
    // after that commitment has arrived (docs/protocol.md "Comparison code").
    state_ = State::kAwaitHello;
    if (!joiner_) return {};
    return SendPairAccept(exchange_->Commitment());
  }
  // Authorization comes before anything else we send (DESIGN.md "Handshake").
  if (!authorize_(*peer_)) {
    End(SessionEnd::kUnauthorized, "device " + ShortIdString(peer_->ShortId()) + " is not paired",
        wire::CloseReason::kUnauthorized);
    return {};
  }
  state_ = State::kAwaitHello;
  return Transmit(wire::PackMessage(wire::RecordType::kHello,
                                    hello_addresses_
                                        ? wire::Encode(options_.hello)
                                        : wire::EncodeHelloWithoutAddresses(options_.hello),
                                    zstd_));
}

Result<void> Session::AcceptHello(ByteSpan body) {
  if (state_ != State::kAwaitHello) return OutOfOrder(wire::RecordType::kHello, "sent twice");
  auto hello = hello_addresses_ ? wire::DecodeHello(body) : wire::DecodeHelloWithoutAddresses(body);
  if (!hello) return hello.error();
  state_ = State::kOpen;
  deadline_->Start(options_.idle_timeout, [this] { OnIdleCheck(); });
  keepalive_->Start(options_.keepalive_interval, [this] { OnKeepalive(); });
  inbox_.emplace_back(std::move(*hello));
  return {};
}

Result<void> Session::SendPairAccept(const wire::PairingValue& value) {
  const wire::PairAccept accept{.device_name = options_.hello.device_name, .value = value};
  return Transmit(wire::PackMessage(accept.kType, wire::Encode(accept), zstd_));
}

// The joiner's PairAccept brings its commitment, which the inviter answers
// with its own PairAccept and nonce; the inviter's brings that nonce, which
// the joiner answers with PairReveal and is done.
Result<void> Session::AcceptPairAccept(ByteSpan body) {
  if (peer_accept_) return OutOfOrder(wire::RecordType::kPairAccept, "sent twice");
  auto accept = wire::DecodePairAccept(body);
  if (!accept) return accept.error();
  peer_accept_ = std::move(*accept);
  if (!joiner_) {
    auto nonce = exchange_->OnCommitment(peer_accept_->value);
    if (!nonce) return nonce.error();
    return SendPairAccept(*nonce);
  }
  auto nonce = exchange_->OnInviterNonce(peer_accept_->value);
  if (!nonce) return nonce.error();
  const wire::PairReveal reveal{.nonce = *nonce};
  if (auto sent = Transmit(wire::PackMessage(reveal.kType, wire::Encode(reveal), zstd_)); !sent) {
    return sent;
  }
  return FinishPairing();
}

Result<void> Session::AcceptPairReveal(ByteSpan body) {
  auto reveal = wire::DecodePairReveal(body);
  if (!reveal) return reveal.error();
  if (auto opened = exchange_->OnJoinerNonce(reveal->nonce); !opened) return opened;
  return FinishPairing();
}

Result<void> Session::FinishPairing() {
  comparison_code_ = exchange_->code();
  inbox_.emplace_back(*peer_accept_);
  // Both sides have confirmed the keys and the code: nothing more to say.
  End(SessionEnd::kLocalClose, "paired with device " + ShortIdString(peer_->ShortId()),
      wire::CloseReason::kNormal);
  return {};
}

Result<void> Session::Accept(wire::Message message) {
  using wire::RecordType;
  const RecordType type = message.type;
  const ByteSpan body = message.body;
  if (pairing_ && type != RecordType::kClose) {
    if (type == RecordType::kPairAccept) return AcceptPairAccept(body);
    if (type == RecordType::kPairReveal) return AcceptPairReveal(body);
    return OutOfOrder(type, "on a pairing connection");
  }
  if (state_ == State::kAwaitHello && type != RecordType::kHello && type != RecordType::kClose) {
    return OutOfOrder(type, "before Hello");
  }
  switch (type) {
    case RecordType::kHello:
      return AcceptHello(body);
    case RecordType::kClusterConfig: {
      auto decoded = wire::DecodeClusterConfig(body);
      if (!decoded) return decoded.error();
      peer_sent_cluster_config_ = true;
      inbox_.emplace_back(wire::PeerMessage(std::move(*decoded)));
      return {};
    }
    case RecordType::kIndex:
    case RecordType::kIndexUpdate: {
      if (!peer_sent_cluster_config_) return OutOfOrder(type, "before ClusterConfig");
      if (type == RecordType::kIndex) {
        auto decoded = wire::DecodeIndex(body);
        if (!decoded) return decoded.error();
        inbox_.emplace_back(
            wire::PeerMessage(std::in_place_type<wire::Index>, std::move(*decoded)));
      } else {
        auto decoded = wire::DecodeIndexUpdate(body);
        if (!decoded) return decoded.error();
        inbox_.emplace_back(
            wire::PeerMessage(std::in_place_type<wire::IndexUpdate>, std::move(*decoded)));
      }
      return {};
    }
    case RecordType::kRequest: {
      // The peer may only ask once it has our ClusterConfig.
      if (!sent_cluster_config_) return OutOfOrder(type, "before our ClusterConfig");
      auto decoded = wire::DecodeRequest(body);
      if (!decoded) return decoded.error();
      inbox_.emplace_back(wire::PeerMessage(std::move(*decoded)));
      return {};
    }
    case RecordType::kResponse: {
      auto decoded = wire::DecodeResponse(body);
      if (!decoded) return decoded.error();
      return AcceptResponse(std::move(*decoded));
    }
    case RecordType::kPing: {
      auto decoded = wire::DecodePing(body);
      if (!decoded) return decoded.error();
      inbox_.emplace_back(*decoded);
      return {};
    }
    case RecordType::kClose: {
      auto decoded = wire::DecodeClose(body);
      if (!decoded) return decoded.error();
      std::string detail = "peer closed (reason " + std::to_string(int(decoded->reason)) + ")";
      if (!decoded->text.empty()) detail.append(": ").append(decoded->text);
      inbox_.emplace_back(std::move(*decoded));
      End(SessionEnd::kClosedByPeer, std::move(detail), std::nullopt);
      return {};
    }
    case RecordType::kPairAccept:
    case RecordType::kPairReveal:
      return OutOfOrder(type, "on a paired connection");
    case RecordType::kPunch: {
      if (!peer_punches_) return OutOfOrder(type, "from a peer that did not offer it");
      auto decoded = wire::DecodePunch(body);
      if (!decoded) return decoded.error();
      inbox_.emplace_back(std::move(*decoded));
      return {};
    }
  }
  return OutOfOrder(type, "unknown");
}

Result<void> Session::AcceptResponse(wire::Response response) {
  if (pairing_) return OutOfOrder(wire::RecordType::kResponse, "on a pairing connection");
  if (state_ != State::kOpen) return OutOfOrder(wire::RecordType::kResponse, "before Hello");
  if (!sent_request_) return OutOfOrder(wire::RecordType::kResponse, "without any Request");
  inbox_.emplace_back(wire::PeerMessage(std::move(response)));
  return {};
}

bool Session::Deliver() {
  std::weak_ptr<int> alive = alive_;
  while (!inbox_.empty()) {
    if (closed_by_owner_) {
      inbox_.clear();
      break;
    }
    Inbound item = std::move(inbox_.front());
    inbox_.pop_front();
    std::visit(
        [this](auto&& message) {
          using T = std::decay_t<decltype(message)>;
          if constexpr (std::is_same_v<T, wire::Hello>) {
            delegate_.OnEstablished(message);
          } else if constexpr (std::is_same_v<T, wire::PeerMessage>) {
            delegate_.OnMessage(std::move(message));
          } else if constexpr (std::is_same_v<T, wire::Ping>) {
            delegate_.OnPing();
          } else if constexpr (std::is_same_v<T, wire::PairAccept>) {
            delegate_.OnPaired(*peer_, message, comparison_code_);
          } else if constexpr (std::is_same_v<T, wire::Punch>) {
            delegate_.OnPunch(message);
          } else {
            delegate_.OnClose(message);
          }
        },
        item);
    if (alive.expired()) return false;
  }
  return true;
}

void Session::OnBacklogTurn() {
  if (state_ >= State::kEnding) {
    unread_.clear();
    return;
  }
  Bytes backlog = std::move(unread_);
  unread_.clear();
  Process(backlog);
}

}  // namespace shoal::net
