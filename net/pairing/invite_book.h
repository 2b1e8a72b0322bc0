// InviteBook: the inviting device's invite (DESIGN.md "Pairing"). At most
// one is active: Create() replaces any previous one. An invite is active for
// kInviteLifetime after Create() and until Consume(); after that it yields
// nothing and the code it printed is worthless.
//
// The book keeps only what the responder needs, never the secret itself:
// the pairing psk (net/noise/pairing_psk.h) for Session's `pairing_psk` and
// the LAN pairing tag (net/discovery/announcement.h) for announcements.
//
// A failed pairing attempt (a wrong code) does not consume the invite: the
// owner calls Consume() only once a pairing has completed
// (SessionDelegate::OnPaired), so a guess cannot burn a valid invite and the
// right code still works until it expires.
//
// Time comes from the injected Clock, which must outlive the book. Secrets
// live in SecretBytes and are never logged. One thread (the daemon's loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/base/clock.h"
#include "core/base/result.h"
#include "net/discovery/announcement.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

inline constexpr std::chrono::minutes kInviteLifetime{15};

class InviteBook {
 public:
  struct Created {
    std::string code;                 // display form (net/pairing/invite_code.h); print once
    std::int64_t expires_unix_nanos;  // by the book's clock
  };

  explicit InviteBook(Clock& clock) : clock_(clock) {}

  // A fresh invite, replacing any previous one (whose code stops working).
  // Fails with kCrypto or kIo when no secret can be made; the previous
  // invite is dropped then too.
  Result<Created> Create();
  // A copy of the active invite's psk, or nullopt when there is none
  // (never created, expired, or consumed).
  std::optional<SecretBytes> ActivePsk();
  // The active invite's LAN pairing tag, or nullopt as for ActivePsk().
  std::optional<PairingTag> ActiveTag();
  // Ends the active invite (single use) and says whether there was one. The
  // owner stores a newly paired device only when this returns true: two
  // attempts racing with one code both pass the preamble, only one pairs.
  bool Consume();
  bool HasActive();

 private:
  struct Invite {
    SecretBytes psk;
    PairingTag tag{};
    std::int64_t expires_unix_nanos = 0;
  };
  // The active invite, dropping it first when it has expired.
  Invite* Active();

  Clock& clock_;
  std::optional<Invite> invite_;
};

}  // namespace shoal::net
