// IgnoreMatcher: decides which paths of a folder are never indexed or sent,
// from the folder's root ".shoalignore" (gitignore syntax, line by line in
// core/ignore/ignore_pattern.h, user guide in docs/ignore.md) plus the names
// Shoal reserves for itself.
//
// As in git, the last pattern that matches a path decides ("!" re-includes),
// and a path inside an excluded directory stays excluded whatever later
// patterns say: git never looks inside an excluded directory, so nothing in
// it can be re-included. IsIgnored() applies that rule to every parent of
// the path itself, so the watcher can ask about a deep path directly.
//
// Built-ins, checked before any pattern and impossible to negate:
//   ".shoal.tmp.*" at any depth  the puller's temp files (DESIGN.md "Puller");
//                                 syncing half-written files would be wrong
//   ".shoal" at the root          reserved for per-folder state, such as a
//                                 marker that tells a missing mount from a
//                                 folder whose files were all deleted
// ".shoalignore" itself is an ordinary file: synced unless a pattern says not.
//
// Parse() fails on the first malformed line with "line N: 'pattern': why";
// a folder whose ignore file does not parse should not sync until it is
// fixed, rather than sync files its user meant to keep private.
//
// Cost: patterns are compiled once. Per path component, a lookup does one
// hash probe for all wildcard-free patterns (most of a typical file) and
// tests only the name patterns that end in that component's last byte
// ("*.log" is never tried on "main.cc") or in a wildcard, latest first,
// stopping at the first match. Anchored wildcard patterns then take one pass
// each over the components, latest first, until every prefix of the path
// has its deciding pattern. Cost grows linearly with the depth of a path,
// never quadratically.
//
// Immutable after Parse(); const methods are safe from any thread.
#pragma once

#include <array>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/ignore/ignore_pattern.h"

namespace shoal {

class IgnoreMatcher {
 public:
  // Only the built-ins; what a folder without a .shoalignore uses.
  IgnoreMatcher() = default;

  // Compiles the text of a .shoalignore file. Accepts "\n" or "\r\n" line
  // endings and a leading UTF-8 byte order mark (editors on other systems
  // write them and the file syncs everywhere).
  static Result<IgnoreMatcher> Parse(std::string_view file_text);

  // `path` is relative to the folder root: UTF-8, '/'-separated, no leading,
  // trailing or doubled '/'. `is_dir` says whether the path itself is a
  // directory (its parents always are). The root ("") is never ignored.
  bool IsIgnored(std::string_view path, bool is_dir) const;

  // True when `path` or one of its parents is a built-in ignored name.
  static bool IsBuiltinIgnored(std::string_view path);

  // Number of patterns (comments and blank lines excluded).
  std::size_t pattern_count() const { return patterns_.size(); }

 private:
  // Wildcard-free patterns sharing one text: the highest (latest) rule index
  // that applies to a directory (any pattern) and to a file (not dir-only).
  struct LiteralRules {
    int for_dir = -1;
    int for_file = -1;
  };
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>()(text);
    }
  };
  using LiteralTable = std::unordered_map<std::string, LiteralRules, TextHash, std::equal_to<>>;

  void Add(IgnorePattern pattern);
  // Each claims the prefixes its kind of pattern matches, as
  // IgnorePattern::ClaimMatches does: wildcard-free patterns by hash lookup,
  // floating ones name by name, anchored ones pattern by pattern.
  void ClaimLiteralMatches(std::string_view path, std::span<const std::string_view> components,
                           bool is_dir, std::span<int> winners) const;
  void ClaimNameMatches(std::span<const std::string_view> components, bool is_dir,
                        std::span<int> winners) const;
  void ClaimPathMatches(std::span<const std::string_view> components, bool is_dir,
                        std::span<int> winners) const;

  // Rule indices are positions in patterns_ (file order): higher wins. Every
  // index list below is ascending.
  std::vector<IgnorePattern> patterns_;
  LiteralTable names_;                   // floating literals, keyed by name
  LiteralTable paths_;                   // anchored literals, keyed by path
  std::size_t max_path_components_ = 0;  // deepest key in paths_
  // Floating patterns with wildcards, by the byte a matching name ends with:
  // a name is only tested against its own bucket and the "any" list.
  std::array<std::vector<int>, 256> names_by_last_byte_;
  std::vector<int> names_any_last_byte_;
  std::vector<int> path_rules_;  // anchored patterns with wildcards
};

}  // namespace shoal
