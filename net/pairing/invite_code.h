// Invite codes (DESIGN.md "Pairing"; docs/protocol.md "Pairing"): what
// `shoal pair` prints on the inviting device and the user types on the other.
//
// An invite is 17 bytes: a version byte (kInviteVersion) and a 16-byte random
// secret. Its text form is the RFC 4648 base32 of those bytes (28 characters)
// cut into 4 parts of 7, each followed by its Luhn mod 32 check character
// (core/base/base32.h), shown as 4 groups of 8 joined by '-':
//   AEAACAQX-DAQCQMBI-YIBEFAWK-DANBYHQG   (secret 00 01 02 … 0f)
// A code may carry where to dial as a suffix: CODE@host:port.
//
// Parsing is forgiving about presentation (any case, with or without dashes,
// spaces, 0/1/8 read as O/I/B) and strict about content: every single
// mistyped character is caught and reported by group ("invite code has a
// typo in group 2").
//
// The secret is the only thing the two devices share before pairing; it is
// returned in SecretBytes and never logged. The text form holds it too, so
// callers print it once and keep no copies. Pure; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/secret_bytes.h"

namespace shoal::net {

inline constexpr std::uint8_t kInviteVersion = 1;
inline constexpr std::size_t kInviteSecretSize = 16;
inline constexpr std::size_t kInviteCodeChars = 32;  // without dashes or suffix

struct ParsedInvite {
  SecretBytes secret;                  // kInviteSecretSize bytes
  std::optional<std::string> address;  // "host:port" after '@', if given
};

// A fresh random secret (libsodium CSPRNG). Fails with kCrypto when libsodium
// cannot initialise, kIo when secret memory cannot be allocated.
Result<SecretBytes> NewInviteSecret();

// The display form of an invite for `secret`, which must be
// kInviteSecretSize bytes (checked).
std::string FormatInviteCode(ByteSpan secret);

// Fails with kInvalidArgument and a sentence a user can act on: wrong length,
// a character outside the alphabet, a typo in a named group, an unknown
// invite version, a malformed address suffix.
Result<ParsedInvite> ParseInviteCode(std::string_view text);

}  // namespace shoal::net
