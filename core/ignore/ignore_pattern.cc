#include "core/ignore/ignore_pattern.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace shoal {
namespace {

// Drops trailing spaces, keeping one that is escaped by an odd number of
// backslashes ("a\ " keeps its space, "a\\ " loses it).
std::string_view TrimTrailingSpaces(std::string_view line) {
  while (line.ends_with(' ')) {
    std::size_t backslashes = 0;
    for (std::size_t i = line.size() - 1; i > 0 && line[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 1) break;
    line.remove_suffix(1);
  }
  return line;
}

std::vector<std::string_view> SplitSlashes(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

// A segment of two or more stars and nothing else spans directories;
// "***" counts, as in git.
bool IsDoubleStar(std::string_view segment) {
  return segment.size() >= 2 && segment.find_first_not_of('*') == std::string_view::npos;
}

}  // namespace

Result<std::optional<IgnorePattern>> IgnorePattern::Parse(std::string_view line) {
  if (line.empty() || line.front() == '#') return std::optional<IgnorePattern>();
  line = TrimTrailingSpaces(line);
  if (line.empty()) return std::optional<IgnorePattern>();
  const std::string quoted = "'" + std::string(line) + "'";

  IgnorePattern pattern;
  std::string_view body = line;
  if (body.starts_with('!')) {
    pattern.negated_ = true;
    body.remove_prefix(1);
  }
  if (body.ends_with('/')) {
    pattern.dir_only_ = true;
    body.remove_suffix(1);
  }
  bool anchored = body.find('/') != std::string_view::npos;
  if (body.starts_with('/')) body.remove_prefix(1);
  if (body.empty()) return Fail(ErrorCode::kInvalidArgument, quoted + ": empty pattern");

  if (anchored) {
    auto compiled = pattern.CompileAnchored(body);
    if (!compiled) return compiled.error().Wrap(quoted);
  } else {
    auto glob = Glob::Compile(body);
    if (!glob) return glob.error().Wrap(quoted);
    pattern.segments_.push_back({std::move(*glob), false});
    pattern.floating_ = true;
  }
  return std::optional<IgnorePattern>(std::move(pattern));
}

Result<void> IgnorePattern::CompileAnchored(std::string_view body) {
  std::vector<std::string_view> parts = SplitSlashes(body);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      return Fail(ErrorCode::kInvalidArgument, "empty path segment (\"//\") never matches");
    }
    bool last = i + 1 == parts.size();
    if (IsDoubleStar(parts[i]) && last) {
      // Trailing "/**": one component, then anything below it. The directory
      // itself does not match, so "!dir/keep" can still re-include inside it.
      segments_.push_back({*Glob::Compile("*"), false});
      segments_.push_back({Glob(), true});
      has_any_depth_ = true;
    } else if (IsDoubleStar(parts[i])) {
      if (segments_.empty() || !segments_.back().any_depth) segments_.push_back({Glob(), true});
      has_any_depth_ = true;
    } else {
      auto glob = Glob::Compile(parts[i]);
      if (!glob) return glob.error();
      segments_.push_back({std::move(*glob), false});
    }
  }
  // "**/name" matches name at any depth: the same as a floating "name", which
  // is cheaper to match and, if literal, can be looked up by hash.
  if (segments_.size() == 2 && segments_[0].any_depth && !segments_[1].any_depth) {
    segments_.erase(segments_.begin());
    floating_ = true;
    has_any_depth_ = false;
  }
  return {};
}

std::optional<std::string> IgnorePattern::LiteralText() const {
  if (has_any_depth_) return std::nullopt;
  std::string text;
  for (const Segment& segment : segments_) {
    if (!segment.glob.is_literal()) return std::nullopt;
    if (!text.empty()) text += '/';
    text += segment.glob.literal();
  }
  return text;
}

bool IgnorePattern::Claimable(std::size_t i, std::size_t count, bool last_is_dir, int rule_index,
                              std::span<const int> winners) const {
  if (winners[i] >= rule_index) return false;
  return !dir_only_ || i + 1 < count || last_is_dir;
}

bool IgnorePattern::MatchesName(std::string_view name) const {
  SHOAL_CHECK(floating_, "MatchesName on an anchored pattern");
  return segments_[0].glob.Matches(name);
}

int IgnorePattern::last_byte() const {
  SHOAL_CHECK(floating_, "last_byte on an anchored pattern");
  return segments_[0].glob.last_byte();
}

void IgnorePattern::ClaimMatches(std::span<const std::string_view> components, bool last_is_dir,
                                 int rule_index, std::span<int> winners) const {
  SHOAL_CHECK(!floating_, "ClaimMatches on a floating pattern");
  const std::size_t count = components.size();
  if (has_any_depth_) {
    ClaimAnyDepthMatches(components, last_is_dir, rule_index, winners);
    return;
  }
  // Without "**" an anchored pattern can only match the prefix with exactly
  // as many components as it has segments.
  const std::size_t i = segments_.size() - 1;
  if (i >= count || !Claimable(i, count, last_is_dir, rule_index, winners)) return;
  for (std::size_t k = 0; k <= i; ++k) {
    if (!segments_[k].glob.Matches(components[k])) return;
  }
  winners[i] = rule_index;
}

// Runs the pattern as a small automaton: state s means "segments [0, s)
// matched the components so far". After each component, prefix i matches
// when the final state is live. O(components x segments) glob tests.
void IgnorePattern::ClaimAnyDepthMatches(std::span<const std::string_view> components,
                                         bool last_is_dir, int rule_index,
                                         std::span<int> winners) const {
  const std::size_t states = segments_.size() + 1;
  std::vector<char> live(states, 0);
  std::vector<char> next(states, 0);
  // A live "**" state may also skip itself (match zero components).
  auto close = [this](std::vector<char>& set) {
    for (std::size_t s = 0; s + 1 < set.size(); ++s) {
      if (set[s] && segments_[s].any_depth) set[s + 1] = 1;
    }
  };
  live[0] = 1;
  close(live);
  for (std::size_t i = 0; i < components.size(); ++i) {
    std::fill(next.begin(), next.end(), 0);
    bool any_live = false;
    for (std::size_t s = 0; s + 1 < states; ++s) {
      if (!live[s]) continue;
      if (segments_[s].any_depth) {
        next[s] = 1;
        any_live = true;
      } else if (segments_[s].glob.Matches(components[i])) {
        next[s + 1] = 1;
        any_live = true;
      }
    }
    if (!any_live) return;
    close(next);
    std::swap(live, next);
    if (live[states - 1] && Claimable(i, components.size(), last_is_dir, rule_index, winners)) {
      winners[i] = rule_index;
    }
  }
}

}  // namespace shoal
