#include "core/base/log.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace shoal {
namespace {

std::vector<std::string>* g_lines = nullptr;
void Capture(std::string_view line) { g_lines->emplace_back(line); }

struct CaptureScope {
  std::vector<std::string> lines;
  LogLevel saved = GetLogLevel();
  CaptureScope() {
    g_lines = &lines;
    SetLogSink(&Capture);
  }
  ~CaptureScope() {
    SetLogSink(nullptr);
    SetLogLevel(saved);
    g_lines = nullptr;
  }
};

}  // namespace

TEST_CASE("log lines carry a UTC timestamp with milliseconds and the level", "[base][log]") {
  CHECK(FormatLogLine(LogLevel::kInfo, 1795700000123, "hello") ==
        "2026-11-26T13:33:20.123Z INFO  hello");
  CHECK(FormatLogLine(LogLevel::kError, 0, "x") == "1970-01-01T00:00:00.000Z ERROR x");
}

TEST_CASE("messages below the level are neither formatted nor written", "[base][log]") {
  CaptureScope capture;
  SetLogLevel(LogLevel::kWarning);
  int formatted = 0;
  auto count = [&formatted] { return ++formatted; };
  SHOAL_LOG(kInfo) << "hidden " << count();
  SHOAL_LOG(kWarning) << "shown " << count();
  SHOAL_LOG(kError) << "also shown";
  REQUIRE(capture.lines.size() == 2);
  CHECK(formatted == 1);
  CHECK(capture.lines[0].find("WARN  shown 1\n") != std::string::npos);
  CHECK(capture.lines[1].find("ERROR also shown\n") != std::string::npos);
}

TEST_CASE("log levels parse from their names", "[base][log]") {
  CHECK(ParseLogLevel("debug") == LogLevel::kDebug);
  CHECK(ParseLogLevel("warn") == LogLevel::kWarning);
  CHECK(ParseLogLevel("error") == LogLevel::kError);
  CHECK_FALSE(ParseLogLevel("loud"));
}

}  // namespace shoal
