#include "core/ignore/glob.h"

#include <catch2/catch.hpp>
#include <string_view>

namespace shoal {
namespace {

struct GlobCase {
  std::string_view pattern;
  std::string_view name;
  bool matches;
};

void CheckGlobs(std::initializer_list<GlobCase> cases) {
  for (const GlobCase& c : cases) {
    INFO("pattern '" << c.pattern << "' name '" << c.name << "'");
    auto glob = Glob::Compile(c.pattern);
    REQUIRE(glob);
    CHECK(glob->Matches(c.name) == c.matches);
  }
}

std::string CompileError(std::string_view pattern) {
  auto glob = Glob::Compile(pattern);
  if (glob) return "(compiled)";
  CHECK(glob.error().code == ErrorCode::kInvalidArgument);
  return glob.error().message;
}

}  // namespace

TEST_CASE("glob literals match exactly and case-sensitively", "[ignore][glob]") {
  CheckGlobs({
      {"foo", "foo", true},
      {"foo", "Foo", false},
      {"foo", "foo2", false},
      {"foo", "fo", false},
      {"", "", true},
      {"", "a", false},
  });
}

TEST_CASE("glob star matches any run of characters, including none", "[ignore][glob]") {
  CheckGlobs({
      {"*", "a", true},
      {"*", ".hidden", true},
      {"*.log", "x.log", true},
      {"*.log", ".log", true},
      {"*.log", "x.log.gz", false},
      {"a*", "a", true},
      {"a*b", "ab", true},
      {"a*b", "axxb", true},
      {"a*b", "axxbx", false},
      {"a*b*c", "abxbc", true},
      {"a*b*c", "abxcb", false},
      {"a**b", "axyb", true},
      {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
  });
}

TEST_CASE("glob question mark matches exactly one character", "[ignore][glob]") {
  CheckGlobs({
      {"?", "a", true},
      {"?", "", false},
      {"?", "ab", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"??", "ab", true},
  });
}

TEST_CASE("glob wildcards count UTF-8 characters, not bytes", "[ignore][glob]") {
  CheckGlobs({
      {"caf?", "café", true},
      {"caf??", "café", false},
      {"?", "é", true},
      {"?", "日", true},
      {"?", "😀", true},
      {"*é", "café", true},
      {"[é]", "é", true},
      {"[!é]", "é", false},
      {"[!é]", "e", true},
      {"[à-ï]", "é", true},
      {"[à-ï]", "ò", false},
      // Invalid UTF-8: each stray byte is one character on its own.
      {"?", "\xff", true},
      {"??", "\xc3", false},
      {"?", "\xc3(", false},
      {"\xff?", "\xff\x61", true},
      {"*\xa9", "\xa9", true},
      {"*\xa9", "\xc3\xa9", false},  // "é" ends in byte 0xa9, not in that character
      {"a*\xa9\x62", "a\xc3\xa9\x62", false},
  });
}

TEST_CASE("glob classes take ranges, negation and a leading bracket member", "[ignore][glob]") {
  CheckGlobs({
      {"[abc]", "b", true},
      {"[abc]", "d", false},
      {"[a-c]x", "bx", true},
      {"[a-c]x", "dx", false},
      {"[!a-c]", "d", true},
      {"[!a-c]", "b", false},
      {"[^a-c]", "d", true},
      {"[^a-c]", "a", false},
      {"[]]", "]", true},
      {"[]a]", "a", true},
      {"[!]]", "]", false},
      {"[!]]", "x", true},
      {"[a-]", "-", true},
      {"[-a]", "-", true},
      {"[a\\]]", "]", true},
      {"[\\!]", "!", true},
      {"[a-c-e]", "-", true},
      {"[[]", "[", true},
      {"[[:digit:]]", "7", true},
      {"[[:digit:]]", "x", false},
      {"[[:alpha:][:digit:]_]", "_", true},
      {"[![:space:]]", " ", false},
      {"[[:upper:]]", "a", false},
      {"[[:xdigit:]]", "F", true},
      {"[[:punct:]]", "@", true},
      {"[[:a]", "a", true},  // "[:a" is not closed by ":]": ordinary members
  });
}

TEST_CASE("glob backslash makes the next character literal", "[ignore][glob]") {
  CheckGlobs({
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"\\?", "?", true},
      {"\\[a]", "[a]", true},
      {"\\\\", "\\", true},
      {"\\a", "a", true},
      {"a\\*b*", "a*bcd", true},
  });
}

TEST_CASE("malformed globs are reported, not guessed at", "[ignore][glob]") {
  CHECK(CompileError("[abc") == "unterminated '['");
  CHECK(CompileError("[]") == "unterminated '['");
  CHECK(CompileError("[!]") == "unterminated '['");
  CHECK(CompileError("a[\\") == "unterminated '['");
  CHECK(CompileError("abc\\") == "trailing backslash escapes nothing");
  CHECK(CompileError("[[:alphabet:]]") == "unknown character class '[:alphabet:]'");
  CHECK(CompileError("[z-a]") == "empty range 'z-a'");
  CHECK(CompileError("[a-c]") == "(compiled)");
}

TEST_CASE("only wildcard-free globs report a literal", "[ignore][glob]") {
  auto literal = Glob::Compile("a\\*b");
  REQUIRE(literal);
  CHECK(literal->is_literal());
  CHECK(literal->literal() == "a*b");
  auto wild = Glob::Compile("a*b");
  REQUIRE(wild);
  CHECK_FALSE(wild->is_literal());
}

}  // namespace shoal
