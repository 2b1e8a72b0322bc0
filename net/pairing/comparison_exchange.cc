#include "net/pairing/comparison_exchange.h"

#include <sodium.h>

#include "core/base/check.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

Result<ComparisonExchange> ComparisonExchange::Start(Side side, ByteSpan handshake_hash) {
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  PairingNonce own{};
  randombytes_buf(own.data(), own.size());
  return WithNonce(side, handshake_hash, own);
}

ComparisonExchange ComparisonExchange::WithNonce(Side side, ByteSpan handshake_hash,
                                                 const PairingNonce& own) {
  SHOAL_CHECK(!handshake_hash.empty(), "ComparisonExchange: empty handshake hash");
  return ComparisonExchange(side, handshake_hash, own);
}

PairingCommitment ComparisonExchange::Commitment() const {
  SHOAL_CHECK(side_ == Side::kJoiner, "only the joiner commits to its nonce");
  return CommitToNonce(handshake_hash_, own_);
}

Result<PairingNonce> ComparisonExchange::OnCommitment(const PairingCommitment& commitment) {
  if (side_ != Side::kInviter || commitment_) {
    return Fail(ErrorCode::kProtocol, "pairing: a commitment out of order");
  }
  commitment_ = commitment;
  return own_;
}

Result<PairingNonce> ComparisonExchange::OnInviterNonce(const PairingNonce& inviter_nonce) {
  if (side_ != Side::kJoiner || inviter_nonce_seen_) {
    return Fail(ErrorCode::kProtocol, "pairing: the inviter's nonce out of order");
  }
  inviter_nonce_seen_ = true;
  code_ = ComparisonCode(handshake_hash_, own_, inviter_nonce);
  return own_;
}

Result<void> ComparisonExchange::OnJoinerNonce(const PairingNonce& joiner_nonce) {
  if (side_ != Side::kInviter || !commitment_ || complete()) {
    return Fail(ErrorCode::kProtocol, "pairing: the joiner's nonce out of order");
  }
  const PairingCommitment opened = CommitToNonce(handshake_hash_, joiner_nonce);
  if (sodium_memcmp(opened.data(), commitment_->data(), opened.size()) != 0) {
    return Fail(ErrorCode::kUnauthorized,
                "pairing: the other device revealed a nonce that does not match its "
                "commitment (it tried to choose the comparison code)");
  }
  code_ = ComparisonCode(handshake_hash_, joiner_nonce, own_);
  return {};
}

}  // namespace shoal::net
