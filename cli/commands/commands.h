// The command table. Each command file adds its subcommand to the App and
// records its exit code in the shared CommandContext when it runs.
// Exit codes (documented in docs/cli.md): 0 ok, 1 the operation failed,
// 2 usage error (CLI11's parse errors), 70 internal error.
#pragma once

#include <CLI/CLI.hpp>

namespace shoal::cli {

struct CommandContext {
  int exit_code = 0;
};

void RegisterCommands(CLI::App& app, CommandContext& context);

}  // namespace shoal::cli
