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

// AESGCM when both offer it; ChaChaPoly, which every peer offers, otherwise.
NoiseCipher Choose(std::uint8_t ours, std::uint8_t theirs) {
  return (ours & theirs & wire::kOfferAesGcm) != 0 ? NoiseCipher::kAesGcm
                                                   : NoiseCipher::kChaChaPoly;
}

std::string_view ProtocolName(wire::HandshakeType type, NoiseCipher cipher) {
  const bool aes = cipher == NoiseCipher::kAesGcm;
  if (type == wire::HandshakeType::kPairing) return aes ? kNoiseXxPsk3AesGcm : kNoiseXxPsk3;
  return aes ? kNoiseXxAesGcm : kNoiseXx;
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
  if (config.offer_aes_gcm && AesGcmAvailable()) driver.offer_ |= wire::kOfferAesGcm;
  driver.offer_ |= wire::kOfferBlockDeltas | wire::kOfferHelloAddresses | wire::kOfferPunch |
                   wire::kOfferPairingCommitment;
  if (config.offer_two_legs) driver.offer_ |= wire::kOfferTwoLegs;
  driver.preamble_ = wire::EncodePreamble({.version = wire::kProtocolVersion,
                                           .handshake = driver.config_.type,
                                           .ciphers = driver.offer_});
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

// The prologue is initiator preamble || responder preamble (version 2) or
// the initiator's preamble alone (a version 1 initiator).
Result<void> HandshakeDriver::CreateState(ByteSpan peer_preamble, ByteSpan ephemeral_private_key) {
  const bool pairing = config_.type == wire::HandshakeType::kPairing;
  const bool initiator = config_.role == Role::kInitiator;
  Bytes prologue;
  if (legacy_) {
    prologue.assign(preamble_.begin(), preamble_.end());
  } else {
    const ByteSpan ours(preamble_);
    const ByteSpan first = initiator ? ours : peer_preamble;
    const ByteSpan second = initiator ? peer_preamble : ours;
    prologue.assign(first.begin(), first.end());
    prologue.insert(prologue.end(), second.begin(), second.end());
  }
  HandshakeConfig config;
  config.protocol_name = ProtocolName(config_.type, cipher_);
  config.role = config_.role;
  config.prologue = prologue;
  config.static_private_key = key_.view();
  config.ephemeral_private_key = ephemeral_private_key;
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
  SHOAL_CHECK(config_.role == Role::kInitiator && !state_ && !early_ephemeral_,
              "Start() is the initiator's first step");
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  if (config_.type == wire::HandshakeType::kPairing) return {};  // message 1 needs the cipher
  // XX message 1 = "e" with an empty payload and no key yet: the ephemeral
  // public key in clear, the same under any protocol name and prologue.
  auto pair = GenerateKeyPair();
  if (!pair) return pair.error().Wrap("handshake");
  early_ephemeral_ = std::move(*pair);
  return wire::AppendFrame(out, early_ephemeral_->public_key);
}

Result<void> HandshakeDriver::Refuse(Bytes& out, Error error) {
  out.insert(out.end(), preamble_.begin(), preamble_.end());
  return error;
}

Result<void> HandshakeDriver::InitiatorOnPreamble(ByteSpan preamble, Bytes& out) {
  // Say why in the peer's terms (a newer or older version, another type).
  auto parsed = wire::ParsePreamble(preamble);
  if (!parsed) return parsed.error();
  if (parsed->version != wire::kProtocolVersion) {
    return Fail(ErrorCode::kProtocol, "preamble: peer speaks protocol version " +
                                          std::to_string(parsed->version) + ", older than ours (" +
                                          std::to_string(wire::kProtocolVersion) +
                                          "); it can still connect to this device, or upgrade it");
  }
  if (parsed->handshake != config_.type) {
    if (config_.type == wire::HandshakeType::kPairing) {
      return Fail(ErrorCode::kUnauthorized,
                  "pairing: the peer has no active invite (expired, used, or never created)");
    }
    return Fail(ErrorCode::kProtocol, "preamble: peer answered with " + Describe(*parsed));
  }
  cipher_ = Choose(offer_, parsed->ciphers);
  peer_offer_ = parsed->ciphers;
  if (config_.type == wire::HandshakeType::kPairing) {
    if ((parsed->ciphers & wire::kOfferPairingCommitment) == 0) {
      return Fail(ErrorCode::kProtocol,
                  "pairing: the inviting device runs an older Shoal without the comparison "
                  "commitment; update it and pair again");
    }
    if (auto created = CreateState(preamble, {}); !created) return created;
    return WriteNext(out);
  }
  SHOAL_CHECK(early_ephemeral_.has_value(), "a paired initiator reads a preamble after Start()");
  auto created = CreateState(preamble, early_ephemeral_->private_key.view());
  const PublicKey sent = early_ephemeral_->public_key;
  early_ephemeral_.reset();  // the state holds its own copy
  if (!created) return created;
  Bytes message;
  if (auto written = state_->WriteMessage({}, message); !written) return written;
  SHOAL_CHECK(message == Bytes(sent.begin(), sent.end()),
              "XX message 1 must be the ephemeral key alone, as sent in Start()");
  return {};
}

Result<void> HandshakeDriver::OnPreamble(ByteSpan preamble, Bytes& out) {
  if (config_.role == Role::kInitiator) return InitiatorOnPreamble(preamble, out);
  auto parsed = wire::ParsePreamble(preamble);
  if (!parsed) return parsed.error();
  legacy_ = parsed->version == wire::kProtocolVersionChaChaOnly;
  if (legacy_) {
    // Refusals in the initiator's version, so that it can read the reason.
    preamble_ = wire::EncodePreamble(
        {.version = parsed->version, .handshake = config_.type, .ciphers = offer_});
  }
  if (parsed->handshake == wire::HandshakeType::kPairing) {
    if ((parsed->ciphers & wire::kOfferPairingCommitment) == 0) {
      return Refuse(out, Error{ErrorCode::kProtocol,
                               "pairing: the joining device runs an older Shoal without the "
                               "comparison commitment; update it and pair again"});
    }
    if (auto taken = TakePsk(); !taken) return Refuse(out, taken.error());
  }
  config_.type = parsed->handshake;
  if (legacy_) {
    std::copy(preamble.begin(), preamble.end(), preamble_.begin());  // the echo
  } else {
    cipher_ = Choose(offer_, parsed->ciphers);
    peer_offer_ = parsed->ciphers;
    preamble_ = wire::EncodePreamble(
        {.version = wire::kProtocolVersion, .handshake = config_.type, .ciphers = offer_});
  }
  if (auto created = CreateState(preamble, {}); !created) return created;
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
