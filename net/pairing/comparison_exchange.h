// ComparisonExchange: one device's part in agreeing on the comparison code
// after a pairing handshake (docs/protocol.md "Pairing", "Comparison code"):
//
//   joiner (initiator)                        inviter (responder)
//   PairAccept(commitment to Nj)      ──▶     OnCommitment: keeps it, gives Ni
//                                     ◀──     PairAccept(Ni)
//   OnInviterNonce(Ni): gives Nj      ──▶     PairReveal(Nj)
//   code = ComparisonCode(h, Nj, Ni)          OnJoinerNonce(Nj): Nj must open
//                                             the commitment, else pairing fails
//
// Why: the joiner is bound to Nj before it sees Ni, and the inviter gives
// out Ni before it sees Nj. A man in the middle who learnt the invite code
// runs one session with each device; in each, the code is settled by a
// nonce of the honest device that he could not see when he fixed his own
// (his commitment as joiner, his nonce as inviter). Whatever order he runs
// them in, the two codes match with probability 10^-6, and each attempt
// uses up the single-use invite. Without the commitment he could grind
// his handshake keys offline until the two six-digit codes matched.
//
// Steps out of this order fail with kProtocol; a nonce that does not open
// the commitment fails with kUnauthorized. The nonces are not secret once
// revealed; Nj must stay unseen until the inviter's nonce has arrived.
// Pure apart from drawing the nonce; one thread at a time.
#pragma once

#include <optional>
#include <string>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/pairing/comparison_code.h"

namespace shoal::net {

class ComparisonExchange {
 public:
  enum class Side { kJoiner, kInviter };

  // Draws this side's nonce (libsodium CSPRNG). Fails with kCrypto when
  // libsodium cannot initialise. `handshake_hash` must not be empty.
  static Result<ComparisonExchange> Start(Side side, ByteSpan handshake_hash);
  // The same with a chosen nonce (tests and test vectors).
  static ComparisonExchange WithNonce(Side side, ByteSpan handshake_hash, const PairingNonce& own);

  // Joiner: what its PairAccept carries.
  PairingCommitment Commitment() const;
  // Inviter: the joiner's commitment arrived; returns the nonce that the
  // inviter's PairAccept carries.
  Result<PairingNonce> OnCommitment(const PairingCommitment& commitment);
  // Joiner: the inviter's nonce arrived; returns the joiner's own nonce,
  // for PairReveal. The code is known from here on.
  Result<PairingNonce> OnInviterNonce(const PairingNonce& inviter_nonce);
  // Inviter: the joiner's nonce arrived; it must open the commitment. The
  // code is known from here on.
  Result<void> OnJoinerNonce(const PairingNonce& joiner_nonce);

  bool complete() const { return !code_.empty(); }
  // "DDD DDD" once complete(), else empty.
  const std::string& code() const { return code_; }

 private:
  ComparisonExchange(Side side, ByteSpan handshake_hash, const PairingNonce& own)
      : side_(side), handshake_hash_(handshake_hash.begin(), handshake_hash.end()), own_(own) {}

  Side side_;
  Bytes handshake_hash_;
  PairingNonce own_;
  std::optional<PairingCommitment> commitment_;  // inviter: the joiner's
  bool inviter_nonce_seen_ = false;              // joiner
  std::string code_;
};

}  // namespace shoal::net
