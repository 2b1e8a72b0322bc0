#include "core/version/conflict.h"

#include <cstdio>
#include <ctime>

#include "core/model/device_id.h"

namespace shoal {
namespace {

constexpr std::string_view kMarker = ".sync-conflict-";
// "YYYYMMDD-HHMMSS-" + 7 short ID characters.
constexpr std::size_t kStampLength = 8 + 1 + 6 + 1 + 7;

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
  std::size_t dot = ExtensionDot(name);
  std::string_view stem = dot == std::string_view::npos ? name : name.substr(0, dot);
  std::string_view extension = dot == std::string_view::npos ? "" : name.substr(dot);
  std::string out(stem);
  out.append(kMarker).append(stamp).append(ShortIdString(device)).append(extension);
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

}  // namespace shoal
