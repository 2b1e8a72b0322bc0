#include "core/base/utf8.h"

#include <catch2/catch.hpp>

namespace shoal {

TEST_CASE("UTF-8 validation accepts RFC 3629 text and rejects everything else", "[base][utf8]") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii/path.txt"));
  CHECK(IsValidUtf8("caf\xc3\xa9"));             // é
  CHECK(IsValidUtf8("\xe2\x82\xac"));            // €
  CHECK(IsValidUtf8("\xf0\x9f\x90\x9f"));        // 🐟
  CHECK_FALSE(IsValidUtf8("\xff"));              // never valid
  CHECK_FALSE(IsValidUtf8("\xc3"));              // truncated
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // UTF-16 surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("a\x80z"));            // stray continuation
}

TEST_CASE("invalid bytes are escaped as hex (xNN) and valid text is kept", "[base][utf8]") {
  CHECK(EscapeInvalidUtf8("ok") == "ok");
  CHECK(EscapeInvalidUtf8("a\xff"
                          "b\xc3\xa9") == "a\\xffb\xc3\xa9");
}

}  // namespace shoal
