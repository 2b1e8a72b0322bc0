#include "net/session/handshake_driver.h"

#include <algorithm>
#include <string>

#include "net/wire/frame.h"

namespace shoal::net {

Result<HandshakeDriver> HandshakeDriver::Create(const Config& config) {
  if (config.type != wire::HandshakeType::kPaired) {
    return Fail(ErrorCode::kInvalidArgument, "handshake: pairing is not implemented yet");
  }
  auto key = SecretBytes::CopyOf(config.static_private_key);
  if (!key) return key.error();
  Config kept = config;
  kept.static_private_key = {};
  HandshakeDriver driver(kept, std::move(*key));
  driver.preamble_ =
      wire::EncodePreamble({.version = wire::kProtocolVersion, .handshake = config.type});
  return driver;
}

Result<void> HandshakeDriver::CreateState(ByteSpan prologue) {
  HandshakeConfig config;
  config.protocol_name = kNoiseXx;
  config.role = config_.role;
  config.prologue = prologue;
  config.static_private_key = key_.view();
  auto state = HandshakeState::Create(config);
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

Result<void> HandshakeDriver::OnPreamble(ByteSpan preamble, Bytes& out) {
  if (config_.role == Role::kInitiator) {
    if (std::equal(preamble.begin(), preamble.end(), preamble_.begin(), preamble_.end())) {
      return {};
    }
    // Say why in the peer's terms (a newer version, another handshake type).
    auto parsed = wire::ParsePreamble(preamble);
    if (!parsed) return parsed.error();
    return Fail(ErrorCode::kProtocol, "preamble: peer answered with version " +
                                          std::to_string(parsed->version) + ", handshake type " +
                                          std::to_string(int(parsed->handshake)));
  }
  auto parsed = wire::ParsePreamble(preamble);
  if (!parsed) return parsed.error();
  if (parsed->version != wire::kProtocolVersion || parsed->handshake != config_.type) {
    out.insert(out.end(), preamble_.begin(), preamble_.end());
    return Fail(ErrorCode::kProtocol, "preamble: peer asks for version " +
                                          std::to_string(parsed->version) + ", handshake type " +
                                          std::to_string(int(parsed->handshake)) +
                                          ", which this side does not accept");
  }
  std::copy(preamble.begin(), preamble.end(), preamble_.begin());
  if (auto created = CreateState(preamble_); !created) return created;
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  return {};
}

Result<void> HandshakeDriver::OnFrame(ByteSpan body, Bytes& out) {
  if (!state_ || state_->IsComplete() || state_->IsMyTurn()) {
    return Fail(ErrorCode::kProtocol, "handshake: unexpected frame");
  }
  auto payload = state_->ReadMessage(body);
  if (!payload) return payload.error().Wrap("handshake");
  if (!payload->empty()) return Fail(ErrorCode::kProtocol, "handshake: payload is not empty");
  if (state_->IsMyTurn()) return WriteNext(out);
  return {};
}

Result<TransportCiphers> HandshakeDriver::Split() {
  SHOAL_CHECK(complete(), "Split() before the handshake completed");
  return state_->Split();
}

DeviceId HandshakeDriver::peer() const {
  SHOAL_CHECK(state_ && state_->remote_static(), "peer() before the peer's static key");
  return DeviceId(*state_->remote_static());
}

}  // namespace shoal::net
