// IgnorePattern: one compiled line of a .shoalignore file (gitignore syntax,
// user guide in docs/ignore.md). IgnoreMatcher (ignore_matcher.h) owns a list
// of these and decides which one wins; this class only answers "which
// prefixes of this path do I match".
//
// Line syntax, in the order it is applied:
//   - "#" first starts a comment; blank lines are skipped;
//   - trailing spaces are dropped unless escaped ("\ ");
//   - "!" first negates (re-includes); "\!" and "\#" are literal;
//   - "/" last restricts the pattern to directories, then is removed;
//   - "/" first anchors the pattern at the folder root, then is removed;
//     a "/" left in the middle anchors it too; otherwise the pattern is a
//     single glob (core/ignore/glob.h) matched against the name at any depth;
//   - anchored patterns are globs per segment, where a whole segment "**"
//     matches zero or more directories ("a/**/b", leading "**/x"), and a
//     trailing "/**" matches everything inside, but not the directory itself.
//
// Malformed lines are errors: an empty pattern ("!", "/"), an empty segment
// ("a//b", which git would let match nothing) and every error of
// Glob::Compile. The message quotes the pattern; the matcher adds the line.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/ignore/glob.h"

namespace shoal {

class IgnorePattern {
 public:
  // Parses one line without its line ending; nullopt for blanks and comments.
  static Result<std::optional<IgnorePattern>> Parse(std::string_view line);

  bool negated() const { return negated_; }
  bool dir_only() const { return dir_only_; }
  // Matched against each name in a path rather than against whole prefixes.
  bool floating() const { return floating_; }

  // When the pattern has no wildcards, the one name (floating) or one
  // root-relative path (anchored) it matches; the matcher puts those in a
  // hash table instead of testing them one by one.
  std::optional<std::string> LiteralText() const;

  // Floating patterns only: whether `name` (one path component) matches,
  // ignoring dir_only(), and the byte such a name must end with (-1: any).
  bool MatchesName(std::string_view name) const;
  int last_byte() const;

  // Anchored patterns only. `components` are the names of a path from the
  // root; prefix i is the path made of components [0, i] and is a directory
  // when i is not the last, or when `last_is_dir`. For every prefix i this
  // pattern matches with winners[i] < rule_index, sets winners[i] =
  // rule_index. One pass over the components: never quadratic in the depth.
  void ClaimMatches(std::span<const std::string_view> components, bool last_is_dir, int rule_index,
                    std::span<int> winners) const;

 private:
  struct Segment {
    Glob glob;               // unused when any_depth
    bool any_depth = false;  // a "**" segment: zero or more components
  };

  Result<void> CompileAnchored(std::string_view body);
  // Whether prefix i may be claimed: not already won by a later rule, and a
  // directory if this pattern wants one.
  bool Claimable(std::size_t i, std::size_t count, bool last_is_dir, int rule_index,
                 std::span<const int> winners) const;
  // ClaimMatches for anchored patterns with "**": a set-of-states walk.
  void ClaimAnyDepthMatches(std::span<const std::string_view> components, bool last_is_dir,
                            int rule_index, std::span<int> winners) const;

  std::vector<Segment> segments_;  // floating patterns have exactly one
  bool negated_ = false;
  bool dir_only_ = false;
  bool floating_ = false;
  bool has_any_depth_ = false;
};

}  // namespace shoal
