// RFC 4648 base32 (alphabet A-Z 2-7, no padding) and the textbook Luhn mod N
// check character over that alphabet (N = 32). Used for device IDs and invite
// codes, which people read aloud and type.
//
// Luhn mod 32 catches every single-character substitution and every adjacent
// transposition except one pair: 'A' (value 0) with '7' (value 31), which it
// cannot tell apart by construction (both map to the same weighted sum, as
// 0 and 9 do in decimal Luhn). Callers document this where they promise it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/bytes.h"

namespace shoal {

// Encodes without padding: ceil(8 * size / 5) characters, upper case.
std::string Base32Encode(ByteSpan bytes);
// Decodes upper-case unpadded base32. Fails on characters outside the
// alphabet, on an impossible length, and on non-zero trailing pad bits (so
// every byte string has exactly one accepted text form).
Result<Bytes> Base32Decode(std::string_view text);

// What a person typed, made ready for parsing: upper-cased, '-' and
// whitespace dropped, and the digits people type for look-alike letters
// mapped back (0 → O, 1 → I, 8 → B; none of them is in the alphabet).
// Anything else is left for the alphabet check to reject.
std::string NormalizeTypedBase32(std::string_view text);

// Value of an alphabet character, or nullopt.
std::optional<int> Base32Value(char c);
// The check character that makes `text` + check valid under Luhn mod 32.
// `text` must be upper-case base32 (aborts otherwise: callers validate first).
char LuhnBase32CheckChar(std::string_view text);

}  // namespace shoal
