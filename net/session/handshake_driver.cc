#include "net/session/handshake_driver.h"

#include <algorithm>
#include <string>
#include <vector>

#include "net/wire/frame.h"

namespace shoal::net {
namespace {

std::string Describe(const wire::Preamble& preamble) {
  return "version " + std::to_string(preamble.version) + ", handshake type " +
         std::to_string(int(preamble.handshake));
}

}  // namespace

Result<HandshakeDriver> HandshakeDriver::Create(const Config& config) {
  auto key = SecretBytes::CopyOf(config.static_private_key);
  if (!key) return key.error();
  Config kept = config;
  kept.static_private_key = {};
  if (config.role == Role::kResponder) kept.type = wire::HandshakeType::kPaired;  // until asked
  HandshakeDriver driver(std::move(kept), std::move(*key));
  if (config.role == Role::kInitiator && config.type == wire::HandshakeType::kPairing) {
    if (auto taken = driver.TakePsk(); !taken) {
      return Fail(ErrorCode::kInvalidArgument,
                  "handshake: pairing needs the psk of an invite code, and none was given");
    }
  }
  driver.preamble_ =
      wire::EncodePreamble({.version = wire::kProtocolVersion, .handshake = driver.config_.type});
  return driver;
}

Result<void> HandshakeDriver::TakePsk() {
  std::optional<SecretBytes> psk;
  if (config_.pairing_psk) psk = config_.pairing_psk();
  if (!psk || psk->size() != 32) {
    return Fail(ErrorCode::kUnauthorized,
                "pairing: no active invite on this device (none created, expired or used)");
  }
  psk_ = std::move(*psk);
  return {};
}

Result<void> HandshakeDriver::CreateState(ByteSpan prologue) {
  const bool pairing = config_.type == wire::HandshakeType::kPairing;
  HandshakeConfig config;
  config.protocol_name = pairing ? kNoiseXxPsk3 : kNoiseXx;
  config.role = config_.role;
  config.prologue = prologue;
  config.static_private_key = key_.view();
  if (pairing) config.psks.push_back(psk_.view());
  auto state = HandshakeState::Create(config);
  psk_ = SecretBytes();  // the state holds its own copy
  if (!state) return state.error().Wrap("handshake");
  state_.emplace(std::move(*state));
  return {};
}

Result<void> HandshakeDriver::WriteNext(Bytes& out) {
  Bytes message;
  if (auto written = state_->WriteMessage({}, message); !written) return written;
  return wire::AppendFrame(out, message);
}

Result<void> HandshakeDriver::Start(Bytes& out) {
  SHOAL_CHECK(config_.role == Role::kInitiator && !state_, "Start() is the initiator's first step");
  if (auto created = CreateState(preamble_); !created) return created;
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  return WriteNext(out);
}

Result<void> HandshakeDriver::Refuse(Bytes& out, Error error) {
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  return error;
}

Result<void> HandshakeDriver::OnPreamble(ByteSpan preamble, Bytes& out) {
  if (config_.role == Role::kInitiator) {
    if (std::equal(preamble.begin(), preamble.end(), preamble_.begin(), preamble_.end())) {
      return {};
    }
    // Say why in the peer's terms (a newer version, another handshake type).
    auto parsed = wire::ParsePreamble(preamble);
    if (!parsed) return parsed.error();
    if (config_.type == wire::HandshakeType::kPairing &&
        parsed->version == wire::kProtocolVersion &&
        parsed->handshake == wire::HandshakeType::kPaired) {
      return Fail(ErrorCode::kUnauthorized,
                  "pairing: the peer has no active invite (expired, used, or never created)");
    }
    return Fail(ErrorCode::kProtocol, "preamble: peer answered with " + Describe(*parsed));
  }
  auto parsed = wire::ParsePreamble(preamble);
  if (!parsed) return parsed.error();
  if (parsed->version != wire::kProtocolVersion) {
    return Refuse(out, Error{ErrorCode::kProtocol, "preamble: peer asks for " + Describe(*parsed) +
                                                       ", which this side does not accept"});
  }
  if (parsed->handshake == wire::HandshakeType::kPairing) {
    if (auto taken = TakePsk(); !taken) return Refuse(out, taken.error());
  }
  config_.type = parsed->handshake;
  std::copy(preamble.begin(), preamble.end(), preamble_.begin());
  if (auto created = CreateState(preamble_); !created) return created;
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  return {};
}

Result<void> HandshakeDriver::OnFrame(ByteSpan body, Bytes& out) {
  if (!state_ || state_->IsComplete() || state_->IsMyTurn()) {
    return Fail(ErrorCode::kProtocol, "handshake: unexpected frame");
  }
  ++frames_read_;
  auto payload = state_->ReadMessage(body);
  if (!payload) {
    // Message 3 is the first one keyed with the psk: the initiator's invite
    // code differs from ours (or the frame was tampered with).
    if (config_.type == wire::HandshakeType::kPairing && config_.role == Role::kResponder &&
        frames_read_ == 2 && payload.error().code == ErrorCode::kCrypto) {
      return Fail(ErrorCode::kUnauthorized,
                  "pairing: wrong invite code (the peer's handshake did not authenticate "
                  "with this device's invite)");
    }
    return payload.error().Wrap("handshake");
  }
  if (!payload->empty()) return Fail(ErrorCode::kProtocol, "handshake: payload is not empty");
  if (state_->IsMyTurn()) return WriteNext(out);
  return {};
}

Result<TransportCiphers> HandshakeDriver::Split() {
  SHOAL_CHECK(complete(), "Split() before the handshake completed");
  return state_->Split();
}

ByteSpan HandshakeDriver::handshake_hash() const {
  SHOAL_CHECK(state_.has_value(), "handshake_hash() before the handshake started");
  return state_->handshake_hash();
}

DeviceId HandshakeDriver::peer() const {
  SHOAL_CHECK(state_ && state_->remote_static(), "peer() before the peer's static key");
  return DeviceId(*state_->remote_static());
}

}  // namespace shoal::net
