// HandshakeDriver: one side's preamble exchange and Noise handshake
// (docs/protocol.md "Preamble", "Noise handshake", "State machine" 1–2),
// without any I/O: it consumes the peer's preamble and handshake frame
// bodies and appends what to send next (preamble bytes, framed handshake
// messages) to an output buffer.
//
//   initiator: Start(out) → preamble + message 1
//              OnPreamble(echo) → checks it is our preamble
//              OnFrame(message 2, out) → message 3; complete
//   responder: OnPreamble(theirs, out) → echo; creates the handshake state
//              OnFrame(message 1, out) → message 2
//              OnFrame(message 3, out) → complete
//
// Only the paired handshake (type 1, Noise_XX) exists so far; Create()
// refuses the pairing type until XXpsk3 and its psk are wired in here.
// Handshake payloads must be empty. Any failure is final. The static key is
// copied into secret memory. One thread at a time (the session's loop).
#pragma once

#include <array>
#include <optional>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/device_id.h"
#include "net/noise/handshake_state.h"
#include "net/noise/secret_bytes.h"
#include "net/wire/preamble.h"

namespace shoal::net {

class HandshakeDriver {
 public:
  struct Config {
    Role role = Role::kInitiator;
    wire::HandshakeType type = wire::HandshakeType::kPaired;
    ByteSpan static_private_key;  // 32 bytes; copied
  };

  static Result<HandshakeDriver> Create(const Config& config);

  // Initiator only: appends the preamble and handshake message 1.
  Result<void> Start(Bytes& out);
  // The peer's 8 preamble bytes. A responder that accepts appends the echo
  // to `out`; one that refuses appends its own preamble (so the peer learns
  // our version) and fails: send `out`, then close.
  Result<void> OnPreamble(ByteSpan preamble, Bytes& out);
  // One handshake frame body from the peer; appends our next frame, if any.
  Result<void> OnFrame(ByteSpan body, Bytes& out);

  bool complete() const { return state_ && state_->IsComplete(); }
  // After completion: this side's transport ciphers (once) and the peer.
  Result<TransportCiphers> Split();
  DeviceId peer() const;

 private:
  HandshakeDriver(Config config, SecretBytes key) : config_(config), key_(std::move(key)) {}
  Result<void> CreateState(ByteSpan prologue);
  Result<void> WriteNext(Bytes& out);

  Config config_;  // static_private_key is not kept: key_ holds the copy
  SecretBytes key_;
  std::array<std::uint8_t, wire::kPreambleSize> preamble_{};  // the initiator's
  std::optional<HandshakeState> state_;
};

}  // namespace shoal::net
