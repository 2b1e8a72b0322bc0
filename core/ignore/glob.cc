#include "core/ignore/glob.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/base/check.h"

namespace shoal {
namespace {

// Invalid bytes decode above the Unicode range so they never equal a real
// character, yet two equal invalid bytes still compare equal.
constexpr char32_t kInvalidByteBase = 0x110000;

// Decodes the character at `pos` (< text.size()) into `c`; returns its length
// in bytes. Overlong forms are not rejected: they only ever need to compare
// equal to themselves.
std::size_t DecodeChar(std::string_view text, std::size_t pos, char32_t& c) {
  auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t len = 0;
  if (lead < 0x80) {
    c = lead;
    return 1;
  }
  if ((lead >> 5) == 0x6) len = 2;
  if ((lead >> 4) == 0xE) len = 3;
  if ((lead >> 3) == 0x1E) len = 4;
  if (len == 0 || pos + len > text.size()) {
    c = kInvalidByteBase + lead;
    return 1;
  }
  char32_t value = lead & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) {
    auto byte = static_cast<unsigned char>(text[pos + i]);
    if ((byte & 0xC0) != 0x80) {
      c = kInvalidByteBase + lead;
      return 1;
    }
    value = (value << 6) | (byte & 0x3F);
  }
  c = value;
  return len;
}

bool IsContinuationByte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

std::size_t CharLength(std::string_view text, std::size_t pos) {
  char32_t ignored;
  return DecodeChar(text, pos, ignored);
}

struct NamedClass {
  std::string_view name;
  std::array<std::pair<char32_t, char32_t>, 4> ranges;  // unused slots are {1, 0}
};

// POSIX classes with their C-locale (ASCII) meaning, as git uses them.
constexpr std::pair<char32_t, char32_t> kNone{1, 0};
constexpr std::array<NamedClass, 12> kNamedClasses{{
    {"alnum", {{{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, kNone}}},
    {"alpha", {{{'A', 'Z'}, {'a', 'z'}, kNone, kNone}}},
    {"blank", {{{' ', ' '}, {'\t', '\t'}, kNone, kNone}}},
    {"cntrl", {{{0x00, 0x1F}, {0x7F, 0x7F}, kNone, kNone}}},
    {"digit", {{{'0', '9'}, kNone, kNone, kNone}}},
    {"graph", {{{'!', '~'}, kNone, kNone, kNone}}},
    {"lower", {{{'a', 'z'}, kNone, kNone, kNone}}},
    {"print", {{{' ', '~'}, kNone, kNone, kNone}}},
    {"punct", {{{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}}},
    {"space", {{{'\t', '\r'}, {' ', ' '}, kNone, kNone}}},
    {"upper", {{{'A', 'Z'}, kNone, kNone, kNone}}},
    {"xdigit", {{{'0', '9'}, {'A', 'F'}, {'a', 'f'}, kNone}}},
}};

// Reads one class member character at `pos`, honouring a backslash escape.
Result<char32_t> ReadClassChar(std::string_view pattern, std::size_t& pos) {
  if (pattern[pos] == '\\') {
    ++pos;
    if (pos == pattern.size()) return Fail(ErrorCode::kInvalidArgument, "unterminated '['");
  }
  char32_t c;
  pos += DecodeChar(pattern, pos, c);
  return c;
}

}  // namespace

bool Glob::CharClass::Contains(char32_t c) const {
  for (const Range& range : ranges) {
    if (range.first <= c && c <= range.last) return !negated;
  }
  return negated;
}

Result<Glob::CharClass> Glob::ParseClass(std::string_view pattern, std::size_t& pos) {
  CharClass cls;
  if (pos < pattern.size() && (pattern[pos] == '!' || pattern[pos] == '^')) {
    cls.negated = true;
    ++pos;
  }
  for (bool first = true;; first = false) {
    if (pos >= pattern.size()) return Fail(ErrorCode::kInvalidArgument, "unterminated '['");
    if (pattern[pos] == ']' && !first) {
      ++pos;
      return cls;
    }
    // "[:name:]" is a named class only if the first ']' after it closes it
    // right after a ':'; otherwise the '[' is an ordinary member (as in git).
    if (pattern.substr(pos).starts_with("[:")) {
      std::size_t close = pattern.find(']', pos + 2);
      if (close != std::string_view::npos && close >= pos + 3 && pattern[close - 1] == ':') {
        std::string_view name = pattern.substr(pos + 2, close - 1 - (pos + 2));
        auto named = std::find_if(kNamedClasses.begin(), kNamedClasses.end(),
                                  [name](const NamedClass& known) { return known.name == name; });
        if (named == kNamedClasses.end()) {
          return Fail(ErrorCode::kInvalidArgument,
                      "unknown character class '[:" + std::string(name) + ":]'");
        }
        for (auto [lo, hi] : named->ranges) {
          if (lo <= hi) cls.ranges.push_back({lo, hi});
        }
        pos = close + 1;
        continue;
      }
    }
    std::size_t start = pos;
    auto lo = ReadClassChar(pattern, pos);
    if (!lo) return lo.error();
    char32_t hi = *lo;
    // '-' is a range unless it is last in the class: "[a-]" has '-' as a member.
    if (pos + 1 < pattern.size() && pattern[pos] == '-' && pattern[pos + 1] != ']') {
      ++pos;
      auto last = ReadClassChar(pattern, pos);
      if (!last) return last.error();
      hi = *last;
      if (hi < *lo) {
        return Fail(ErrorCode::kInvalidArgument,
                    "empty range '" + std::string(pattern.substr(start, pos - start)) + "'");
      }
    }
    cls.ranges.push_back({*lo, hi});
  }
}

void Glob::AppendLiteral(std::string_view text) {
  if (!tokens_.empty() && tokens_.back().kind == Kind::kLiteral) {
    tokens_.back().text += text;
  } else {
    tokens_.push_back({Kind::kLiteral, std::string(text), 0});
  }
}

Result<Glob> Glob::Compile(std::string_view pattern) {
  SHOAL_CHECK(pattern.find('/') == std::string_view::npos, "glob segment contains '/'");
  Glob glob;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    char ch = pattern[pos];
    if (ch == '*') {
      // "**" inside a segment is an ordinary '*' (gitignore); stars collapse.
      if (glob.tokens_.empty() || glob.tokens_.back().kind != Kind::kStar) {
        glob.tokens_.push_back({Kind::kStar, {}, 0});
      }
      ++pos;
    } else if (ch == '?') {
      glob.tokens_.push_back({Kind::kAnyChar, {}, 0});
      ++pos;
    } else if (ch == '[') {
      ++pos;
      auto cls = ParseClass(pattern, pos);
      if (!cls) return cls.error();
      glob.classes_.push_back(std::move(*cls));
      glob.tokens_.push_back({Kind::kClass, {}, glob.classes_.size() - 1});
    } else if (ch == '\\') {
      if (pos + 1 == pattern.size()) {
        return Fail(ErrorCode::kInvalidArgument, "trailing backslash escapes nothing");
      }
      glob.AppendLiteral(pattern.substr(pos + 1, 1));
      pos += 2;
    } else {
      glob.AppendLiteral(pattern.substr(pos, 1));
      ++pos;
    }
  }
  glob.shape_ = glob.ClassifyShape();
  if (!glob.tokens_.empty() && glob.tokens_.back().kind == Kind::kLiteral) {
    glob.last_byte_ = static_cast<unsigned char>(glob.tokens_.back().text.back());
  }
  if (glob.shape_ != Shape::kGeneral && glob.shape_ != Shape::kAnything && !glob.tokens_.empty()) {
    glob.fixed_ = glob.tokens_[glob.shape_ == Shape::kSuffix ? 1 : 0].text;
  }
  return glob;
}

Glob::Shape Glob::ClassifyShape() const {
  auto is = [this](std::size_t i, Kind kind) { return tokens_[i].kind == kind; };
  if (tokens_.empty() || (tokens_.size() == 1 && is(0, Kind::kLiteral))) return Shape::kLiteral;
  if (tokens_.size() == 1 && is(0, Kind::kStar)) return Shape::kAnything;
  // A suffix test would also match inside a character if the literal began
  // with a UTF-8 continuation byte; leave that odd case to the general loop.
  if (tokens_.size() == 2 && is(0, Kind::kStar) && is(1, Kind::kLiteral) &&
      !IsContinuationByte(tokens_[1].text[0])) {
    return Shape::kSuffix;
  }
  if (tokens_.size() == 2 && is(0, Kind::kLiteral) && is(1, Kind::kStar)) return Shape::kPrefix;
  return Shape::kGeneral;
}

bool Glob::Matches(std::string_view name) const {
  switch (shape_) {
    case Shape::kLiteral:
      return name == fixed_;
    case Shape::kSuffix:
      return name.ends_with(fixed_);
    case Shape::kPrefix:
      return name.starts_with(fixed_);
    case Shape::kAnything:
      return true;
    case Shape::kGeneral:
      break;
  }
  return MatchesGeneral(name);
}

// Classic single-backtrack wildcard matching: on a mismatch only the most
// recent '*' needs to absorb more, because any earlier '*' could only
// produce matches the later one can also produce. When a literal follows
// that '*', it jumps straight to the literal's next occurrence. Linear for
// typical patterns, O(pattern x name) at worst; never exponential.
bool Glob::MatchesGeneral(std::string_view name) const {
  const std::size_t none = tokens_.size();
  std::size_t ti = 0;
  std::size_t pos = 0;
  std::size_t star_ti = none;
  std::size_t star_pos = 0;
  while (true) {
    if (ti < tokens_.size() && tokens_[ti].kind == Kind::kStar) {
      star_ti = ti++;
      star_pos = pos;
      continue;
    }
    if (ti < tokens_.size() ? MatchToken(tokens_[ti], name, pos) : pos == name.size()) {
      if (ti == tokens_.size()) return true;
      ++ti;
      continue;
    }
    if (star_ti == none || star_pos == name.size()) return false;
    const Token* after = star_ti + 1 < tokens_.size() ? &tokens_[star_ti + 1] : nullptr;
    if (after != nullptr && after->kind == Kind::kLiteral && !IsContinuationByte(after->text[0])) {
      // Such a literal can only start at a character boundary.
      star_pos = name.find(after->text, star_pos + 1);
      if (star_pos == std::string_view::npos) return false;
    } else {
      star_pos += CharLength(name, star_pos);
    }
    pos = star_pos;
    ti = star_ti + 1;
  }
}

bool Glob::MatchToken(const Token& token, std::string_view name, std::size_t& pos) const {
  if (pos == name.size()) return false;
  if (token.kind == Kind::kLiteral) {
    if (!name.substr(pos).starts_with(token.text)) return false;
    pos += token.text.size();
    return true;
  }
  char32_t c;
  std::size_t len = DecodeChar(name, pos, c);
  if (token.kind == Kind::kClass && !classes_[token.class_index].Contains(c)) return false;
  pos += len;
  return true;
}

}  // namespace shoal
