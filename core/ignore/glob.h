// Glob: a compiled shell-style pattern for one path segment (a file or
// directory name, never containing '/'). The building block of ignore
// patterns (core/ignore/ignore_pattern.h), which split on '/' and handle "**".
//
// Syntax (gitignore's, within one segment):
//   *        any run of characters, including none
//   ?        exactly one character
//   [...]    one character from the set: "a-z" ranges, "[:alpha:]"-style
//            POSIX classes (ASCII), "!" or "^" first negates, "]" first is
//            a member; a backslash escapes the next character
//   \x       the character x, literally
//   anything else matches itself, case-sensitively
//
// "Character" means one UTF-8 code point, so "?" and "[é]" match "é" (git
// counts bytes here; a user typing "caf?" means one letter). A byte that is
// not valid UTF-8 counts as one character on its own.
//
// Malformed patterns are reported rather than guessed at: an unterminated
// "[" (including "[]" and "[!]", whose "]" is a member), an unknown
// "[:name:]" class, a reversed range ("[z-a]") and a trailing lone
// backslash are errors. Git silently lets such a pattern match nothing; for
// a sync tool a typo that quietly fails to ignore is worse than a loud one.
//
// Compiled once, immutable; Matches() is safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace shoal {

class Glob {
 public:
  // `pattern` must not contain '/'. An empty pattern matches only "".
  static Result<Glob> Compile(std::string_view pattern);

  bool Matches(std::string_view name) const;

  // True when the pattern has no wildcards: it matches exactly literal().
  bool is_literal() const { return shape_ == Shape::kLiteral; }
  // The unescaped text of a literal pattern ("" for the empty pattern).
  std::string_view literal() const { return fixed_; }
  // The byte every matching name ends with, or -1 when the pattern ends in a
  // wildcard (or is empty). Lets the matcher skip patterns that cannot match.
  int last_byte() const { return last_byte_; }

 private:
  enum class Kind : std::uint8_t { kLiteral, kAnyChar, kStar, kClass };
  // Common shapes get a direct test instead of the general loop: "name",
  // "*.ext", "prefix*", "*". An empty pattern is kLiteral "".
  enum class Shape : std::uint8_t { kLiteral, kSuffix, kPrefix, kAnything, kGeneral };

  // One code point range, inclusive.
  struct Range {
    char32_t first;
    char32_t last;
  };
  struct CharClass {
    std::vector<Range> ranges;
    bool negated = false;
    bool Contains(char32_t c) const;
  };
  struct Token {
    Kind kind;
    std::string text;         // kLiteral: the unescaped characters
    std::size_t class_index;  // kClass: index into classes_
  };

  // Parses the class starting just after '[' at `pos`; on success leaves
  // `pos` just past the closing ']'.
  static Result<CharClass> ParseClass(std::string_view pattern, std::size_t& pos);
  void AppendLiteral(std::string_view text);
  Shape ClassifyShape() const;
  bool MatchesGeneral(std::string_view name) const;
  // Matches one non-star token at `pos`, advancing `pos` past it on success.
  bool MatchToken(const Token& token, std::string_view name, std::size_t& pos) const;

  std::vector<Token> tokens_;
  std::vector<CharClass> classes_;
  Shape shape_ = Shape::kLiteral;
  std::string fixed_;  // the literal part of kLiteral, kSuffix and kPrefix
  int last_byte_ = -1;
};

}  // namespace shoal
