// `shoal debug scan PATH`: scans a real directory into an index and prints
// what it found (files, blocks, bytes, time, problems). A developer's tool
// for the scanner and its performance; it never talks to a daemon.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/commands.h"

namespace shoal::cli {

void RegisterDebugScan(CLI::App& debug, CommandContext& context);

}  // namespace shoal::cli
