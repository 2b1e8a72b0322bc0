#include "core/pull/version_name.h"

#include <chrono>
#include <cstdio>

namespace shoal {
namespace {

constexpr std::size_t kMaxComponentBytes = 255;
constexpr std::size_t kStampLength = 15;  // "YYYYMMDD-HHMMSS"

struct Civil {
  int year, month, day, hour, minute, second;
};

Civil ToCivil(std::int64_t unix_seconds) {
  using namespace std::chrono;
  sys_seconds t{seconds(unix_seconds)};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(unsigned(ymd.month())),
          static_cast<int>(unsigned(ymd.day())),
          static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count())};
}

std::optional<std::int64_t> FromCivil(const Civil& c) {
  using namespace std::chrono;
  year_month_day ymd{year(c.year), month(static_cast<unsigned>(c.month)),
                     day(static_cast<unsigned>(c.day))};
  if (!ymd.ok() || c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 ||
      c.second > 59) {
    return std::nullopt;
  }
  auto t = sys_days(ymd) + hours(c.hour) + minutes(c.minute) + seconds(c.second);
  return t.time_since_epoch().count();
}

bool AllDigits(std::string_view s) {
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  return !s.empty();
}

int Number(std::string_view s) {
  int n = 0;
  for (char ch : s) n = n * 10 + (ch - '0');
  return n;
}

// Cuts `base` to at most `limit` bytes without splitting a UTF-8 character.
std::string CutUtf8(const std::string& base, std::size_t limit) {
  if (base.size() <= limit) return base;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(base[end]) & 0xC0) == 0x80) --end;
  return base.substr(0, end);
}

}  // namespace

std::string VersionSuffix(std::int64_t unix_seconds, int clash) {
  Civil c = ToCivil(unix_seconds);
  char text[40];
  std::snprintf(text, sizeof(text), "~%04d%02d%02d-%02d%02d%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  std::string out = text;
  if (clash > 0) out += "-" + std::to_string(clash);
  return out;
}

std::string VersionNameFor(const std::string& path, std::int64_t unix_seconds, int clash) {
  const std::string suffix = VersionSuffix(unix_seconds, clash);
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + CutUtf8(base, kMaxComponentBytes - suffix.size()) + suffix;
}

std::optional<ParsedVersionName> ParseVersionName(std::string_view name) {
  auto tilde = name.rfind('~');
  if (tilde == std::string_view::npos || tilde == 0 || name[tilde - 1] == '/') return std::nullopt;
  std::string_view stamp = name.substr(tilde + 1);
  if (stamp.size() > kStampLength) {  // "-N" for a clash within one second
    std::string_view clash = stamp.substr(kStampLength);
    if (clash.size() < 2 || clash[0] != '-' || !AllDigits(clash.substr(1))) return std::nullopt;
    stamp = stamp.substr(0, kStampLength);
  }
  if (stamp.size() != kStampLength || stamp[8] != '-' || !AllDigits(stamp.substr(0, 8)) ||
      !AllDigits(stamp.substr(9))) {
    return std::nullopt;
  }
  auto time = FromCivil({Number(stamp.substr(0, 4)), Number(stamp.substr(4, 2)),
                         Number(stamp.substr(6, 2)), Number(stamp.substr(9, 2)),
                         Number(stamp.substr(11, 2)), Number(stamp.substr(13, 2))});
  if (!time) return std::nullopt;
  return ParsedVersionName{std::string(name.substr(0, tilde)), *time};
}

std::string FormatUtcTime(std::int64_t unix_seconds) {
  Civil c = ToCivil(unix_seconds);
  char text[40];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  return text;
}

std::optional<std::int64_t> ParseUtcTime(std::string_view text) {
  if (text.size() == kStampLength && text[8] == '-') {  // "20261202-101500"
    auto parsed = ParseVersionName(std::string("x~") + std::string(text));
    if (!parsed) return std::nullopt;
    return parsed->unix_seconds;
  }
  if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) text.remove_suffix(1);
  // "YYYY-MM-DD", then optionally "THH:MM" or " HH:MM", then ":SS".
  if (text.size() != 10 && text.size() != 16 && text.size() != 19) return std::nullopt;
  auto digits_at = [&](std::size_t at, std::size_t n) { return AllDigits(text.substr(at, n)); };
  if (!digits_at(0, 4) || text[4] != '-' || !digits_at(5, 2) || text[7] != '-' ||
      !digits_at(8, 2)) {
    return std::nullopt;
  }
  Civil c{Number(text.substr(0, 4)), Number(text.substr(5, 2)), Number(text.substr(8, 2)), 0, 0, 0};
  if (text.size() >= 16) {
    if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits_at(11, 2) ||
        text[13] != ':' || !digits_at(14, 2)) {
      return std::nullopt;
    }
    c.hour = Number(text.substr(11, 2));
    c.minute = Number(text.substr(14, 2));
  }
  if (text.size() == 19) {
    if (text[16] != ':' || !digits_at(17, 2)) return std::nullopt;
    c.second = Number(text.substr(17, 2));
  }
  return FromCivil(c);
}

}  // namespace shoal
