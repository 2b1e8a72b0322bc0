// What `shoal pair` asks its user on the terminal: the invite code, read
// without echo so that it stays off the screen and out of `ps` (`shoal pair
// -`), and whether the other device shows the same comparison code.
// Both read stdin; both are for the CLI's main thread.
#pragma once

#include <string>

#include "core/base/result.h"

namespace shoal::cli {

// One line from stdin, trimmed: on a terminal after a prompt on stderr and
// with echo off, otherwise as piped. Fails with kInvalidArgument on an
// empty line or end of input.
Result<std::string> ReadInviteCode();

// Prints `question` on stderr and reads one line from stdin: true only for
// "y" or "yes" (any case); anything else, or end of input, is no.
bool AskYesNo(const std::string& question);

}  // namespace shoal::cli
