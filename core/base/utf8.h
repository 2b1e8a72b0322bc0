// UTF-8 validation for names: every name Shoal indexes or sends is valid
// UTF-8 (DESIGN.md "Names"). Rejects overlong forms, surrogates and code
// points above U+10FFFF, as RFC 3629 requires.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

bool IsValidUtf8(std::string_view text);
// The text with every byte that is not part of valid UTF-8 shown as \xNN,
// for error messages about names that cannot be shown as they are.
std::string EscapeInvalidUtf8(std::string_view text);

}  // namespace shoal
