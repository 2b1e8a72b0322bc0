// Compares IgnoreMatcher with a deliberately naive reference: gitignore's
// rules transcribed directly, matching whole strings by recursive
// backtracking and re-checking every parent prefix against every line. Slow
// and obviously quadratic, but easy to check against the gitignore manual;
// the real matcher (segment globs, hash tables, automaton, early exit) must
// agree with it on random patterns and paths from a small alphabet.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/ignore/ignore_matcher.h"

namespace shoal {
namespace {

// Decodes one UTF-8 character at the start of valid, non-empty `t`.
char32_t Decode(std::string_view t, std::size_t& len) {
  auto lead = static_cast<unsigned char>(t[0]);
  len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = len == 1 ? lead : lead & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) c = (c << 6) | (t[i] & 0x3F);
  return c;
}

// "[...]" body (between the brackets), without a leading ']' member.
bool RefClassContains(std::string_view body, char32_t c) {
  bool negated = !body.empty() && (body[0] == '!' || body[0] == '^');
  if (negated) body.remove_prefix(1);
  while (!body.empty()) {
    std::size_t len;
    char32_t lo = Decode(body, len);
    body.remove_prefix(len);
    char32_t hi = lo;
    if (body.size() >= 2 && body[0] == '-') {
      hi = Decode(body.substr(1), len);
      body.remove_prefix(1 + len);
    }
    if (lo <= c && c <= hi) return !negated;
  }
  return negated;
}

// Wildcard matching of a whole root-relative string, as the gitignore
// manual describes it: '*' '?' '[]' never match '/', and a run of two or
// more stars that is a whole segment matches across '/'.
bool RefMatch(std::string_view p, std::string_view t, bool segment_start) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') {
    std::size_t stars = std::min(p.find_first_not_of('*'), p.size());
    std::string_view rest = p.substr(stars);
    if (stars >= 2 && segment_start && (rest.empty() || rest[0] == '/')) {
      if (rest.empty()) return !t.empty();
      rest.remove_prefix(1);  // "**/": zero or more leading directories
      if (RefMatch(rest, t, true)) return true;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '/' && RefMatch(rest, t.substr(i + 1), true)) return true;
      }
      return false;
    }
    std::size_t len;
    for (std::size_t i = 0;; i += len) {
      if (RefMatch(rest, t.substr(i), false)) return true;
      if (i == t.size() || t[i] == '/') return false;
      Decode(t.substr(i), len);
    }
  }
  if (t.empty()) return false;
  if (p[0] == '?' || p[0] == '[') {
    if (t[0] == '/') return false;
    std::size_t len;
    char32_t c = Decode(t, len);
    std::size_t close = p[0] == '?' ? 0 : p.find(']', 2);
    if (p[0] == '[' && !RefClassContains(p.substr(1, close - 1), c)) return false;
    return RefMatch(p.substr(close + 1), t.substr(len), false);
  }
  if (p[0] == '\\') p.remove_prefix(1);
  return p[0] == t[0] && RefMatch(p.substr(1), t.substr(1), p[0] == '/');
}

bool RefIgnored(const std::vector<std::string>& lines, std::string_view path, bool is_dir) {
  std::size_t end = 0;
  while (end != std::string_view::npos) {
    end = path.find('/', end + 1);
    std::string_view prefix = path.substr(0, end);
    std::string_view name = prefix.substr(prefix.rfind('/') + 1);  // npos + 1 == 0
    bool dir = end != std::string_view::npos || is_dir;
    int verdict = 0;  // 0: no match, 1: excluded, 2: re-included
    for (std::string_view body : lines) {
      bool negated = body.starts_with('!');
      if (negated) body.remove_prefix(1);
      bool dir_only = body.ends_with('/');
      if (dir_only) body.remove_suffix(1);
      bool anchored = body.find('/') != std::string_view::npos;
      if (body.starts_with('/')) body.remove_prefix(1);
      if (dir_only && !dir) continue;
      if (RefMatch(body, anchored ? prefix : name, true)) verdict = negated ? 2 : 1;
    }
    if (verdict == 1) return true;
  }
  return false;
}

template <std::size_t N>
std::string_view Pick(std::mt19937_64& rng, const std::string_view (&items)[N]) {
  return items[rng() % N];
}

std::string RandomPattern(std::mt19937_64& rng) {
  static constexpr std::string_view kTokens[] = {
      "a", "b", "é", "*", "**", "?", "[ab]", "[!a]", "[a-b]", "[^é]", "\\*", "a",
  };
  std::string line;
  if (rng() % 4 == 0) line += '!';
  if (rng() % 5 == 0) line += '/';
  int segments = 1 + static_cast<int>(rng() % 3);
  for (int s = 0; s < segments; ++s) {
    if (s > 0) line += '/';
    int tokens = 1 + static_cast<int>(rng() % 3);
    for (int t = 0; t < tokens; ++t) line += Pick(rng, kTokens);
  }
  if (rng() % 5 == 0) line += '/';
  return line;
}

std::string RandomPath(std::mt19937_64& rng) {
  static constexpr std::string_view kNames[] = {"a", "b", "é", "ab", "ba", "aé", "*", "a*", "bb"};
  std::string path;
  int depth = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < depth; ++i) {
    if (i > 0) path += '/';
    path += Pick(rng, kNames);
  }
  return path;
}

}  // namespace

TEST_CASE("the matcher agrees with a naive gitignore reference on random inputs",
          "[ignore][property]") {
  std::mt19937_64 rng(0x5ea1);
  int ignored = 0;
  constexpr int kTrials = 20000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<std::string> lines(1 + rng() % 4);
    std::string text;
    for (std::string& line : lines) {
      line = RandomPattern(rng);
      text += line + "\n";
    }
    auto matcher = IgnoreMatcher::Parse(text);
    INFO("trial " << trial << " patterns:\n" << text);
    REQUIRE(matcher);
    for (int probe = 0; probe < 4; ++probe) {
      std::string path = RandomPath(rng);
      bool is_dir = rng() % 2 == 0;
      bool expected = RefIgnored(lines, path, is_dir);
      INFO("path '" << path << "'" << (is_dir ? " (dir)" : " (file)"));
      REQUIRE(matcher->IsIgnored(path, is_dir) == expected);
      ignored += expected ? 1 : 0;
    }
  }
  // Both verdicts must be common, or the comparison proves little.
  CHECK(ignored > kTrials * 4 / 10);
  CHECK(ignored < kTrials * 4 * 9 / 10);
}

}  // namespace shoal
