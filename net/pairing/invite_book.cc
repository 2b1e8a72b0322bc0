#include "net/pairing/invite_book.h"

#include "net/noise/pairing_psk.h"
#include "net/pairing/invite_code.h"

namespace shoal::net {

Result<InviteBook::Created> InviteBook::Create() {
  invite_.reset();
  auto secret = NewInviteSecret();
  if (!secret) return secret.error().Wrap("invite");
  auto psk = DerivePairingPsk(secret->view());
  if (!psk) return psk.error().Wrap("invite");
  auto tag = DerivePairingTag(secret->view());
  if (!tag) return tag.error().Wrap("invite");
  const std::int64_t expires =
      clock_.NowUnixNanos() + std::chrono::nanoseconds(kInviteLifetime).count();
  invite_.emplace(Invite{.psk = std::move(*psk), .tag = *tag, .expires_unix_nanos = expires});
  return Created{.code = FormatInviteCode(secret->view()), .expires_unix_nanos = expires};
}

InviteBook::Invite* InviteBook::Active() {
  if (invite_ && clock_.NowUnixNanos() >= invite_->expires_unix_nanos) invite_.reset();
  return invite_ ? &*invite_ : nullptr;
}

std::optional<SecretBytes> InviteBook::ActivePsk() {
  Invite* invite = Active();
  if (invite == nullptr) return std::nullopt;
  auto copy = SecretBytes::CopyOf(invite->psk.view());
  if (!copy) return std::nullopt;  // out of secret memory: as if there were no invite
  return std::move(*copy);
}

std::optional<PairingTag> InviteBook::ActiveTag() {
  Invite* invite = Active();
  if (invite == nullptr) return std::nullopt;
  return invite->tag;
}

bool InviteBook::Consume() {
  const bool active = Active() != nullptr;
  invite_.reset();
  return active;
}

bool InviteBook::HasActive() { return Active() != nullptr; }

}  // namespace shoal::net
