#include "core/version/conflict.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/model/device_id.h"

namespace shoal {
namespace {

constexpr std::string_view kMarker = ".sync-conflict-";
// "YYYYMMDD-HHMMSS-" + the short ID's characters.
constexpr std::size_t kShortIdChars = 7;
constexpr std::size_t kStampLength = 8 + 1 + 6 + 1 + kShortIdChars;

// Position of the extension's '.' in the last component, or npos.
std::size_t ExtensionDot(std::string_view name) {
  std::size_t base = name.rfind('/');
  base = base == std::string_view::npos ? 0 : base + 1;
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot <= base) return std::string_view::npos;
  // A conflict copy's own stamp is not an extension: a copy of a copy gets
  // its stamp after it, so ConflictOriginalName leads back one step.
  if (name.substr(dot).starts_with(kMarker)) return std::string_view::npos;
  return dot;
}

// A copy's last component stays within what filesystems allow, keeping at
// least this much of the original stem.
constexpr std::size_t kMaxComponent = 255;
constexpr std::size_t kMinStem = 16;

// The length of the longest prefix of `s` no longer than `max` bytes that
// does not end inside a UTF-8 sequence.
std::size_t Utf8Prefix(std::string_view s, std::size_t max) {
  std::size_t n = std::min(max, s.size());
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

bool Wins(const ConflictSide& a, const ConflictSide& b) {
  if (a.file.deleted != b.file.deleted) return !a.file.deleted;
  if (a.file.mtime_ns != b.file.mtime_ns) return a.file.mtime_ns > b.file.mtime_ns;
  return a.device > b.device;
}

std::string ConflictCopyName(std::string_view name, std::int64_t mtime_ns, std::uint64_t device) {
  std::time_t seconds = static_cast<std::time_t>(mtime_ns / 1'000'000'000);
  if (mtime_ns < 0 && mtime_ns % 1'000'000'000 != 0) --seconds;  // floor, not truncate
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S-", &utc);
  std::string suffix(kMarker);
  suffix.append(stamp).append(ShortIdString(device));
  std::size_t dot = ExtensionDot(name);
  std::string_view stem = dot == std::string_view::npos ? name : name.substr(0, dot);
  std::string_view extension = dot == std::string_view::npos ? "" : name.substr(dot);
  // The copy's last component must fit kMaxComponent bytes: the stem gives
  // way (an extension too long to keep is shortened as part of the stem).
  std::size_t base = stem.rfind('/');
  base = base == std::string_view::npos ? 0 : base + 1;
  if (suffix.size() + extension.size() >= kMaxComponent - kMinStem) {
    stem = name;
    extension = "";
  }
  const std::size_t room = kMaxComponent - suffix.size() - extension.size();
  if (stem.size() - base > room) stem = stem.substr(0, Utf8Prefix(stem, base + room));
  std::string out(stem);
  out.append(suffix).append(extension);
  return out;
}

std::string ConflictOriginalName(std::string_view name) {
  std::size_t marker = name.rfind(kMarker);
  if (marker == std::string_view::npos) return {};
  std::size_t after = marker + kMarker.size() + kStampLength;
  if (after > name.size()) return {};
  std::string_view rest = name.substr(after);
  if (!rest.empty() && (rest.front() != '.' || rest.find('/') != std::string_view::npos)) {
    return {};
  }
  std::string out(name.substr(0, marker));
  out.append(rest);
  return out;
}

std::string ConflictCopyAuthor(std::string_view name) {
  if (ConflictOriginalName(name).empty()) return {};
  const std::size_t stamp = name.rfind(kMarker) + kMarker.size();
  return std::string(name.substr(stamp + kStampLength - kShortIdChars, kShortIdChars));
}

}  // namespace shoal
