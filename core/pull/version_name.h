// Names of kept versions (docs/user-guide.md "Versions"): content a peer's
// change replaced or deleted is kept as
//
//   .shoal/versions/<path>~YYYYMMDD-HHMMSS        e.g. docs/report.txt~20261202-101500
//   .shoal/versions/<path>~YYYYMMDD-HHMMSS-N      a second version of <path> in that second
//
// The time is when the version was kept, in UTC (a folder is shared between
// devices in different time zones, and UTC names sort the same everywhere).
// The suffix goes after the whole name, extension included, so the original
// name is everything before the last '~' and nothing is guessed about what
// an extension is. A name too long for the 255-byte component limit with the
// suffix is cut (at a UTF-8 character boundary) to make room; such a version
// is listed under the shortened name.
//
// Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal {

// Where versions live, relative to the folder root (under the built-in
// ignored ".shoal", so they are never scanned or synced).
inline constexpr char kVersionsDir[] = ".shoal/versions";

// "~20261202-101500" for `unix_seconds`, plus "-N" when `clash` > 0.
std::string VersionSuffix(std::int64_t unix_seconds, int clash = 0);

// The name `path` is kept under, relative to the versions directory.
std::string VersionNameFor(const std::string& path, std::int64_t unix_seconds, int clash = 0);

struct ParsedVersionName {
  std::string path;               // the original name, relative to the folder root
  std::int64_t unix_seconds = 0;  // when it was kept
};

// Splits a name relative to the versions directory; nullopt when it does
// not end in a version suffix.
std::optional<ParsedVersionName> ParseVersionName(std::string_view name);

// "2026-12-02T10:15:00Z".
std::string FormatUtcTime(std::int64_t unix_seconds);

// A time as a person types it, in UTC: "2026-12-02T10:15:00Z",
// "2026-12-02 10:15:00", "2026-12-02T10:15" (seconds optional),
// "20261202-101500" (as in a version name) or "2026-12-02" (its midnight).
std::optional<std::int64_t> ParseUtcTime(std::string_view text);

}  // namespace shoal
