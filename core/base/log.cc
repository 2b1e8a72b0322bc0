#include "core/base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <mutex>

namespace shoal {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;
LogSink g_sink = nullptr;  // guarded by g_mutex

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarning:
      return "WARN ";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?    ";
}

void WriteAll(std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n <= 0) return;  // nowhere left to report a logging failure
    line.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel GetLogLevel() { return g_level.load(std::memory_order_relaxed); }

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning" || text == "warn") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string FormatLogLine(LogLevel level, std::int64_t unix_ms, std::string_view message) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof(millis), ".%03dZ ", static_cast<int>(unix_ms % 1000));
  std::string line;
  line.reserve(32 + message.size());
  line.append(stamp).append(millis).append(LevelName(level)).append(" ").append(message);
  return line;
}

void SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sink = sink;
}

namespace internal {

LogMessage::~LogMessage() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  std::string line = FormatLogLine(level_, ms, stream_.str());
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_sink != nullptr) {
    g_sink(line);
  } else {
    WriteAll(line);
  }
}

}  // namespace internal
}  // namespace shoal
