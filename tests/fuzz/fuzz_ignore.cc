// libFuzzer target: .shoalignore files (core/ignore/ignore_matcher.h) sync
// between devices like any other file, so a peer writes the patterns this
// device compiles, and peers and the local disk supply the paths they are
// matched against. The input is the file's text, then optionally a NUL byte
// and paths to try, one per line (without one, the file's own lines are the
// paths). Parsing the file must fail exactly when one of its lines fails
// IgnorePattern::Parse, naming the first such line. A file that parses is
// checked path by path, as a file and as a directory, against a slow
// reference built from the same IgnorePattern lines: every pattern tried on
// every prefix, in file order, the last match wins, and a path inside an
// ignored directory is ignored. That covers the matcher's fast paths (hash
// tables of literals, buckets by last byte, early exits). Each wildcard-free
// pattern must also match its own text, and a name may only match a pattern
// whose last_byte() it ends with. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ignore/ignore_matcher.h"
#include "core/ignore/ignore_pattern.h"

namespace {

using shoal::IgnoreMatcher;
using shoal::IgnorePattern;

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t end = text.find(separator);
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return parts;
    text.remove_prefix(end + 1);
  }
}

// The lines IgnoreMatcher::Parse reads: a leading byte order mark dropped,
// "\n" or "\r\n" endings, no line after a final newline.
std::vector<std::string_view> Lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.empty()) return {};
  if (text.ends_with('\n')) text.remove_suffix(1);
  std::vector<std::string_view> lines = Split(text, '\n');
  for (std::string_view& line : lines) {
    if (line.ends_with('\r')) line.remove_suffix(1);
  }
  return lines;
}

// Whether the path made of `components` is ignored, the slow way.
bool ReferenceIgnored(const std::vector<IgnorePattern>& patterns,
                      const std::vector<std::string_view>& components, bool is_dir) {
  std::vector<int> winners(components.size(), -1);
  for (std::size_t rule = 0; rule < patterns.size(); ++rule) {
    const IgnorePattern& pattern = patterns[rule];
    const int index = static_cast<int>(rule);
    if (!pattern.floating()) {
      pattern.ClaimMatches(components, is_dir, index, winners);
      continue;
    }
    for (std::size_t i = 0; i < components.size(); ++i) {
      bool dir = i + 1 < components.size() || is_dir;
      if ((dir || !pattern.dir_only()) && pattern.MatchesName(components[i])) winners[i] = index;
    }
  }
  for (int winner : winners) {
    if (winner >= 0 && !patterns[winner].negated()) return true;
  }
  return false;
}

void CheckOwnText(const IgnorePattern& pattern) {
  std::optional<std::string> text = pattern.LiteralText();
  if (!text) return;
  if (pattern.floating()) {
    if (!pattern.MatchesName(*text)) std::abort();
    return;
  }
  std::vector<std::string_view> components = Split(*text, '/');
  std::vector<int> winners(components.size(), -1);
  pattern.ClaimMatches(components, /*last_is_dir=*/true, 0, winners);
  if (winners.back() != 0) std::abort();
}

void CheckPath(const IgnoreMatcher& matcher, const std::vector<IgnorePattern>& patterns,
               std::string_view path) {
  if (path.empty()) return;  // the root: never ignored, and has no components
  const std::vector<std::string_view> components = Split(path, '/');
  for (bool is_dir : {false, true}) {
    bool ignored = matcher.IsIgnored(path, is_dir);
    bool expected =
        IgnoreMatcher::IsBuiltinIgnored(path) || ReferenceIgnored(patterns, components, is_dir);
    if (ignored != expected) std::abort();
    // Nothing inside an ignored directory can be re-included.
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos && !ignored;
         slash = path.find('/', slash + 1)) {
      if (slash > 0 && matcher.IsIgnored(path.substr(0, slash), true)) std::abort();
    }
  }
  for (const IgnorePattern& pattern : patterns) {
    if (!pattern.floating() || pattern.last_byte() < 0) continue;
    for (std::string_view name : components) {
      bool ends_right = !name.empty() && static_cast<unsigned char>(name.back()) ==
                                             static_cast<unsigned>(pattern.last_byte());
      if (!ends_right && pattern.MatchesName(name)) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view file_text = input.substr(0, nul);
  const std::string_view path_text =
      nul == std::string_view::npos ? file_text : input.substr(nul + 1);

  auto matcher = IgnoreMatcher::Parse(file_text);
  std::vector<std::string_view> lines = Lines(file_text);
  std::vector<IgnorePattern> patterns;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto pattern = IgnorePattern::Parse(lines[i]);
    if (!pattern) {
      // The matcher must fail too, on this line.
      const std::string where = "line " + std::to_string(i + 1) + ": ";
      if (matcher || !matcher.error().message.starts_with(where)) std::abort();
      return 0;
    }
    if (*pattern) patterns.push_back(std::move(**pattern));
  }
  if (!matcher || matcher->pattern_count() != patterns.size()) std::abort();

  for (const IgnorePattern& pattern : patterns) CheckOwnText(pattern);
  for (std::string_view path : Split(path_text, '\n')) CheckPath(*matcher, patterns, path);
  return 0;
}
