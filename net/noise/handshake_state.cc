#include "net/noise/handshake_state.h"

#include <algorithm>
#include <string>

namespace shoal::net {
namespace {

bool Contains(const std::vector<Token>& tokens, Token token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Whether the side in `role` sends an "s" token in any message.
bool SendsStatic(const HandshakePattern& pattern, Role role) {
  for (std::size_t i = role == Role::kInitiator ? 0 : 1; i < pattern.messages.size(); i += 2) {
    if (Contains(pattern.messages[i], Token::kS)) return true;
  }
  return false;
}

Error Invalid(const std::string& message) {
  return Error{ErrorCode::kInvalidArgument, "noise: " + message};
}

// Copies each 32-byte psk into secret memory.
Result<std::vector<SecretBytes>> CopyPsks(const HandshakeConfig& config, std::size_t expected) {
  if (config.psks.size() != expected) {
    return Invalid(std::string(config.protocol_name) + " needs " + std::to_string(expected) +
                   " psk(s), got " + std::to_string(config.psks.size()));
  }
  std::vector<SecretBytes> psks;
  for (ByteSpan psk : config.psks) {
    if (psk.size() != 32) return Invalid("a psk must be 32 bytes");
    auto copy = SecretBytes::CopyOf(psk);
    if (!copy) return copy.error();
    psks.push_back(std::move(*copy));
  }
  return psks;
}

// Checks that `config` has exactly the keys the pattern needs from this side.
Result<void> CheckKeys(const Protocol& protocol, const HandshakeConfig& config) {
  const HandshakePattern& pattern = protocol.pattern;
  const bool initiator = config.role == Role::kInitiator;
  const auto& local_pre = initiator ? pattern.initiator_premessage : pattern.responder_premessage;
  const auto& remote_pre = initiator ? pattern.responder_premessage : pattern.initiator_premessage;
  const bool needs_static = SendsStatic(pattern, config.role) || Contains(local_pre, Token::kS);
  if (needs_static && config.static_private_key.empty()) {
    return Invalid(protocol.name + " needs our static key");
  }
  const bool premessage_remote = Contains(remote_pre, Token::kS);
  if (premessage_remote && !config.remote_static) {
    return Invalid(protocol.name + " needs the peer's static key up front");
  }
  if (!premessage_remote && config.remote_static) {
    return Invalid(protocol.name + " receives the peer's static key; check it afterwards");
  }
  if (!config.ephemeral_private_key.empty() && config.ephemeral_private_key.size() != kDhLen) {
    return Invalid("ephemeral private key must be 32 bytes");
  }
  return {};
}

}  // namespace

HandshakeState::HandshakeState(Protocol protocol, Role role, SymmetricState symmetric)
    : protocol_(std::move(protocol)), role_(role), symmetric_(std::move(symmetric)) {}

Result<HandshakeState> HandshakeState::Create(const HandshakeConfig& config) {
  auto protocol = ParseProtocolName(config.protocol_name);
  if (!protocol) return protocol.error().Wrap("noise");
  if (auto keys = CheckKeys(*protocol, config); !keys) return keys.error();
  const HandshakePattern& pattern = protocol->pattern;
  auto psks = CopyPsks(config, pattern.psk_count);
  if (!psks) return psks.error();
  auto symmetric = SymmetricState::Initialize(protocol->hash, protocol->cipher, protocol->name);
  if (!symmetric) return symmetric.error();
  auto dh_output = SecretBytes::Allocate(kDhLen);
  if (!dh_output) return dh_output.error();
  auto fixed_ephemeral = SecretBytes::CopyOf(config.ephemeral_private_key);
  if (!fixed_ephemeral) return fixed_ephemeral.error();

  HandshakeState state(std::move(*protocol), config.role, std::move(*symmetric));
  if (!config.static_private_key.empty()) {
    auto pair = KeyPairFromPrivate(config.static_private_key);
    if (!pair) return pair.error().Wrap("noise: static key");
    state.local_static_ = std::move(*pair);
  }
  state.remote_static_ = config.remote_static;
  state.psks_ = std::move(*psks);
  state.dh_output_ = std::move(*dh_output);
  state.fixed_ephemeral_ = std::move(*fixed_ephemeral);
  state.symmetric_.MixHash(config.prologue);
  state.MixPremessages();
  return state;
}

void HandshakeState::MixPremessages() {
  // §5.3: the initiator's pre-message keys first; only "s" occurs in them.
  const bool initiator = role_ == Role::kInitiator;
  for (bool initiator_side : {true, false}) {
    const auto& tokens = initiator_side ? protocol_.pattern.initiator_premessage
                                        : protocol_.pattern.responder_premessage;
    const bool ours = initiator_side == initiator;
    for (Token token : tokens) {
      SHOAL_CHECK(token == Token::kS, "pre-messages hold only s");
      symmetric_.MixHash(ours ? local_static_->public_key : *remote_static_);
    }
  }
}

bool HandshakeState::IsComplete() const {
  return !failed_ && message_index_ == protocol_.pattern.messages.size();
}

bool HandshakeState::IsMyTurn() const {
  if (failed_ || IsComplete()) return false;
  return (message_index_ % 2 == 0) == (role_ == Role::kInitiator);
}

Result<void> HandshakeState::CheckTurn(bool writing) const {
  if (failed_) return Fail(ErrorCode::kInvalidArgument, "noise: handshake already failed");
  if (IsComplete()) return Fail(ErrorCode::kInvalidArgument, "noise: handshake already complete");
  if (IsMyTurn() != writing) {
    return Fail(ErrorCode::kInvalidArgument,
                writing ? "noise: not our turn to write" : "noise: not our turn to read");
  }
  return {};
}

Result<void> HandshakeState::WriteMessage(ByteSpan payload, Bytes& message) {
  if (auto turn = CheckTurn(true); !turn) return turn;
  const std::size_t start = message.size();
  auto written = WriteTokens(payload, message);
  if (!written) {
    failed_ = true;
    message.resize(start);
    return written.error().Wrap("noise: writing handshake message " +
                                std::to_string(message_index_ + 1));
  }
  ++message_index_;
  return {};
}

Result<Bytes> HandshakeState::ReadMessage(ByteSpan message) {
  if (auto turn = CheckTurn(false); !turn) return turn.error();
  Bytes payload;
  auto read = ReadTokens(message, payload);
  if (!read) {
    failed_ = true;
    return read.error().Wrap("noise: reading handshake message " +
                             std::to_string(message_index_ + 1));
  }
  ++message_index_;
  return payload;
}

Result<void> HandshakeState::WriteTokens(ByteSpan payload, Bytes& message) {
  const std::size_t start = message.size();
  for (Token token : protocol_.pattern.messages[message_index_]) {
    Result<void> step;
    switch (token) {
      case Token::kE:
        step = WriteEphemeral(message);
        break;
      case Token::kS:
        step = symmetric_.EncryptAndHash(local_static_->public_key, message);
        break;
      case Token::kPsk:
        MixPsk();
        break;
      default:
        step = MixDh(token);
    }
    if (!step) return step;
  }
  if (auto sealed = symmetric_.EncryptAndHash(payload, message); !sealed) return sealed;
  if (message.size() - start > kMaxMessageSize) {
    return Fail(ErrorCode::kInvalidArgument, "handshake message exceeds 65535 bytes");
  }
  return {};
}

Result<void> HandshakeState::ReadTokens(ByteSpan message, Bytes& payload) {
  if (message.size() > kMaxMessageSize) {
    return Fail(ErrorCode::kProtocol, "message exceeds 65535 bytes");
  }
  ByteReader reader(message);
  for (Token token : protocol_.pattern.messages[message_index_]) {
    Result<void> step;
    if (token == Token::kE || token == Token::kS) {
      // "s" is encrypted (with a tag) once a key exists.
      const std::size_t size = kDhLen + (token == Token::kS && symmetric_.HasKey() ? kTagLen : 0);
      auto field = reader.ReadBytes(size);
      if (!field) return Fail(ErrorCode::kProtocol, "message too short for its public key");
      PublicKey key{};
      if (token == Token::kE) {
        std::copy(field->begin(), field->end(), key.begin());
        remote_ephemeral_ = key;
        symmetric_.MixHash(key);
        if (protocol_.pattern.psk_count > 0) symmetric_.MixKey(key);  // §9.2
      } else {
        Bytes plain;
        if (auto opened = symmetric_.DecryptAndHash(*field, plain); !opened) return opened;
        std::copy(plain.begin(), plain.end(), key.begin());
        remote_static_ = key;
      }
    } else if (token == Token::kPsk) {
      MixPsk();
    } else {
      step = MixDh(token);
    }
    if (!step) return step;
  }
  auto rest = reader.ReadBytes(reader.remaining());
  return symmetric_.DecryptAndHash(*rest, payload);
}

Result<void> HandshakeState::WriteEphemeral(Bytes& message) {
  auto pair =
      fixed_ephemeral_.empty() ? GenerateKeyPair() : KeyPairFromPrivate(fixed_ephemeral_.view());
  if (!pair) return pair.error();
  fixed_ephemeral_ = SecretBytes();  // used once
  local_ephemeral_ = std::move(*pair);
  const PublicKey& key = local_ephemeral_->public_key;
  message.insert(message.end(), key.begin(), key.end());
  symmetric_.MixHash(key);
  if (protocol_.pattern.psk_count > 0) symmetric_.MixKey(key);  // §9.2
  return {};
}

Result<void> HandshakeState::MixDh(Token token) {
  // Token names are initiator-first: "es" is DH(initiator's e, responder's s).
  const bool initiator_e = token == Token::kEE || token == Token::kES;
  const bool responder_e = token == Token::kEE || token == Token::kSE;
  const bool initiator = role_ == Role::kInitiator;
  const bool local_e = initiator ? initiator_e : responder_e;
  const bool remote_e = initiator ? responder_e : initiator_e;
  const std::optional<KeyPair>& local = local_e ? local_ephemeral_ : local_static_;
  const std::optional<PublicKey>& remote = remote_e ? remote_ephemeral_ : remote_static_;
  if (!local || !remote) return Fail(ErrorCode::kProtocol, "DH before both keys are known");
  if (auto dh = Dh(local->private_key.view(), *remote, dh_output_.span()); !dh) return dh;
  symmetric_.MixKey(dh_output_.view());
  dh_output_.Wipe();
  return {};
}

void HandshakeState::MixPsk() { symmetric_.MixKeyAndHash(psks_[next_psk_++].view()); }

Result<TransportCiphers> HandshakeState::Split() {
  if (!IsComplete()) return Fail(ErrorCode::kInvalidArgument, "noise: split before completion");
  if (split_) return Fail(ErrorCode::kInvalidArgument, "noise: split twice");
  split_ = true;
  auto ciphers = symmetric_.Split();
  local_ephemeral_.reset();  // forward secrecy: the ephemeral key is no longer needed
  psks_.clear();
  if (!ciphers) return ciphers.error().Wrap("noise: split");
  if (role_ == Role::kInitiator) {
    return TransportCiphers{std::move(ciphers->c1), std::move(ciphers->c2)};
  }
  return TransportCiphers{std::move(ciphers->c2), std::move(ciphers->c1)};
}

}  // namespace shoal::net
