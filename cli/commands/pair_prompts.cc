#include "cli/commands/pair_prompts.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace shoal::cli {
namespace {

std::string Trimmed(std::string line) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  line.erase(line.begin(), std::find_if_not(line.begin(), line.end(), space));
  line.erase(std::find_if_not(line.rbegin(), line.rend(), space).base(), line.end());
  return line;
}

// Turns terminal echo off for its lifetime (when stdin is a terminal).
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Result<std::string> ReadInviteCode() {
  std::string line;
  bool read = false;
  if (::isatty(STDIN_FILENO)) {
    std::fputs("Invite code (not shown): ", stderr);
    std::fflush(stderr);
    EchoOff quiet;
    read = static_cast<bool>(std::getline(std::cin, line));
    std::fputs("\n", stderr);
  } else {
    read = static_cast<bool>(std::getline(std::cin, line));
  }
  line = Trimmed(std::move(line));
  if (!read && line.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "no invite code on stdin (`shoal pair -` reads one line)");
  }
  if (line.empty()) return Fail(ErrorCode::kInvalidArgument, "the invite code is empty");
  return line;
}

bool AskYesNo(const std::string& question) {
  std::fputs(question.c_str(), stderr);
  std::fflush(stderr);
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  line = Trimmed(std::move(line));
  std::transform(line.begin(), line.end(), line.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return line == "y" || line == "yes";
}

}  // namespace shoal::cli
