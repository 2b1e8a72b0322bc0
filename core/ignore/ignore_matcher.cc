#include "core/ignore/ignore_matcher.h"

#include <algorithm>
#include <utility>

#include "core/base/temp_name.h"

namespace shoal {
namespace {

constexpr std::string_view kStateDir = ".shoal";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> components;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      components.push_back(path.substr(start));
      return components;
    }
    components.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool HasBuiltinName(std::span<const std::string_view> components) {
  if (components.front() == kStateDir) return true;
  return std::any_of(components.begin(), components.end(),
                     [](std::string_view name) { return IsTempName(name); });
}

}  // namespace

Result<IgnoreMatcher> IgnoreMatcher::Parse(std::string_view file_text) {
  if (file_text.starts_with(kByteOrderMark)) file_text.remove_prefix(kByteOrderMark.size());
  IgnoreMatcher matcher;
  int line_number = 0;
  while (!file_text.empty()) {
    ++line_number;
    std::size_t end = file_text.find('\n');
    std::string_view line = file_text.substr(0, end);
    file_text = end == std::string_view::npos ? std::string_view() : file_text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto pattern = IgnorePattern::Parse(line);
    if (!pattern) return pattern.error().Wrap("line " + std::to_string(line_number));
    if (pattern->has_value()) matcher.Add(std::move(**pattern));
  }
  return matcher;
}

void IgnoreMatcher::Add(IgnorePattern pattern) {
  const int index = static_cast<int>(patterns_.size());
  if (std::optional<std::string> text = pattern.LiteralText()) {
    if (!pattern.floating()) {
      auto depth = static_cast<std::size_t>(std::count(text->begin(), text->end(), '/') + 1);
      max_path_components_ = std::max(max_path_components_, depth);
    }
    LiteralRules& rules = (pattern.floating() ? names_ : paths_)[*text];
    rules.for_dir = index;
    if (!pattern.dir_only()) rules.for_file = index;
  } else if (!pattern.floating()) {
    path_rules_.push_back(index);
  } else if (pattern.last_byte() < 0) {
    names_any_last_byte_.push_back(index);
  } else {
    names_by_last_byte_[pattern.last_byte()].push_back(index);
  }
  patterns_.push_back(std::move(pattern));
}

bool IgnoreMatcher::IsBuiltinIgnored(std::string_view path) {
  return !path.empty() && HasBuiltinName(SplitPath(path));
}

bool IgnoreMatcher::IsIgnored(std::string_view path, bool is_dir) const {
  if (path.empty()) return false;
  const std::vector<std::string_view> components = SplitPath(path);
  if (HasBuiltinName(components)) return true;
  if (patterns_.empty()) return false;

  // winners[i]: index of the last pattern matching prefix i (components
  // [0, i]), -1 for none. Each prefix is judged on its own, as git judges
  // each directory on its way down.
  std::vector<int> winners(components.size(), -1);
  ClaimLiteralMatches(path, components, is_dir, winners);
  ClaimNameMatches(components, is_dir, winners);
  ClaimPathMatches(components, is_dir, winners);
  // Excluded if the path or any parent is: re-including a path does not
  // help while a directory above it stays excluded.
  return std::any_of(winners.begin(), winners.end(),
                     [this](int winner) { return winner >= 0 && !patterns_[winner].negated(); });
}

void IgnoreMatcher::ClaimLiteralMatches(std::string_view path,
                                        std::span<const std::string_view> components, bool is_dir,
                                        std::span<int> winners) const {
  auto claim = [&](const LiteralTable& table, std::string_view key, std::size_t i) {
    auto found = table.find(key);
    if (found == table.end()) return;
    bool dir = i + 1 < components.size() || is_dir;
    winners[i] = std::max(winners[i], dir ? found->second.for_dir : found->second.for_file);
  };
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (!names_.empty()) claim(names_, components[i], i);
    if (i < max_path_components_) {
      // Components are views into `path`, so the prefix ends where this one does.
      std::size_t prefix_size = components[i].data() + components[i].size() - path.data();
      claim(paths_, path.substr(0, prefix_size), i);
    }
  }
}

void IgnoreMatcher::ClaimNameMatches(std::span<const std::string_view> components, bool is_dir,
                                     std::span<int> winners) const {
  for (std::size_t i = 0; i < components.size(); ++i) {
    std::string_view name = components[i];
    const bool dir = i + 1 < components.size() || is_dir;
    std::span<const int> bucket;
    if (!name.empty()) bucket = names_by_last_byte_[static_cast<unsigned char>(name.back())];
    // Merge the two ascending lists from the top: the first match is the
    // latest, and nothing at or below the current winner can beat it.
    auto a = bucket.rbegin();
    auto b = names_any_last_byte_.rbegin();
    while (true) {
      bool take_a = a != bucket.rend() && (b == names_any_last_byte_.rend() || *a > *b);
      if (!take_a && b == names_any_last_byte_.rend()) break;
      int rule = take_a ? *a++ : *b++;
      if (rule <= winners[i]) break;
      const IgnorePattern& pattern = patterns_[rule];
      if ((dir || !pattern.dir_only()) && pattern.MatchesName(name)) {
        winners[i] = rule;
        break;
      }
    }
  }
}

void IgnoreMatcher::ClaimPathMatches(std::span<const std::string_view> components, bool is_dir,
                                     std::span<int> winners) const {
  // Latest first; a pattern earlier than every prefix's current winner
  // cannot change anything, and neither can any pattern before it.
  int floor = *std::min_element(winners.begin(), winners.end());
  for (auto it = path_rules_.rbegin(); it != path_rules_.rend() && *it > floor; ++it) {
    patterns_[*it].ClaimMatches(components, is_dir, *it, winners);
    floor = *std::min_element(winners.begin(), winners.end());
  }
}

}  // namespace shoal
