// Minimal logger: one line per message to stderr (journald picks it up),
//   2026-11-26T12:00:00.123Z INFO  scan: 120 files changed
// Messages below the threshold are not formatted at all. Never log secrets.
//
// Thread: any thread. A line is formatted by the caller and written whole
// under one process-wide mutex, so lines never interleave; the level is an
// atomic; SetLogSink takes the same mutex, and the sink runs under it.
//
//   SHOAL_LOG(kInfo) << "scan: " << count << " files changed";
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace shoal {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning"/"warn", "error" (case-sensitive).
std::optional<LogLevel> ParseLogLevel(std::string_view text);
// Formats one log line (without the trailing newline); exposed for tests.
std::string FormatLogLine(LogLevel level, std::int64_t unix_ms, std::string_view message);

// Redirects output to `sink` instead of stderr (tests); nullptr restores stderr.
// `sink` is called under the logger's mutex with the full line, newline included.
using LogSink = void (*)(std::string_view line);
void SetLogSink(LogSink sink);

namespace internal {

// Collects one message and emits it from the destructor.
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();
  std::ostringstream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace internal
}  // namespace shoal

#define SHOAL_LOG(level)                                   \
  if (::shoal::LogLevel::level < ::shoal::GetLogLevel()) { \
  } else                                                   \
    ::shoal::internal::LogMessage(::shoal::LogLevel::level).stream()
