// Handshake patterns as data (Noise rev 34, §7): each message is a list of
// tokens that HandshakeState executes in order, so supporting a pattern means
// adding a table entry, not code. Implemented base patterns: XX (every
// Shoal connection) and IK (cheap to carry; pinned by the public vectors);
// any of them with psk modifiers (§9), e.g. XXpsk3 (pairing) or IKpsk2.
//
// Only the "25519" DH, the "ChaChaPoly" and "AESGCM" ciphers and the SHA256
// / BLAKE2b hashes are supported.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "net/noise/cipher_state.h"
#include "net/noise/noise_hash.h"

namespace shoal::net {

enum class Token { kE, kS, kEE, kES, kSE, kSS, kPsk };

struct HandshakePattern {
  std::string name;  // with modifiers: "XXpsk3"
  // Public keys known before the handshake (§7.1): only "s" in the patterns
  // implemented. The initiator's are hashed first.
  std::vector<Token> initiator_premessage;
  std::vector<Token> responder_premessage;
  // messages[i] is sent by the initiator when i is even, by the responder
  // when i is odd (patterns alternate by definition).
  std::vector<std::vector<Token>> messages;
  // Number of psk tokens; any at all makes every "e" also MixKey(e) (§9.2).
  std::size_t psk_count = 0;
};

struct Protocol {
  std::string name;  // "Noise_XXpsk3_25519_ChaChaPoly_SHA256"
  HandshakePattern pattern;
  NoiseCipher cipher = NoiseCipher::kChaChaPoly;
  NoiseHash hash = NoiseHash::kSha256;
};

// Parses "<base><modifiers>", e.g. "XX", "IKpsk2", "XXpsk0+psk3". psk0 puts
// a psk token at the start of the first message, pskN (N >= 1) at the end
// of message N. Fails with kInvalidArgument on an unknown base pattern, an
// unknown or repeated modifier, or pskN beyond the last message.
Result<HandshakePattern> ParseHandshakePattern(std::string_view name);

// Parses "Noise_<pattern>_25519_<ChaChaPoly|AESGCM>_<SHA256|BLAKE2b>". An
// AESGCM name parses on any CPU; creating its CipherStates is what fails
// without AES-NI (see AesGcmAvailable()).
Result<Protocol> ParseProtocolName(std::string_view name);

}  // namespace shoal::net
