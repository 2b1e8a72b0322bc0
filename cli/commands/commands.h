// The command table. Each command file adds its subcommand to the App and
// records its exit code in the shared CommandContext when it runs.
// Exit codes (documented in docs/cli.md): 0 ok, 1 the operation failed,
// 2 usage error (CLI11's parse errors), 3 the daemon is not running,
// 70 internal error.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands/daemon_client.h"

namespace shoal::cli {

struct CommandContext {
  int exit_code = 0;
  ClientOptions client;  // --home and --json, given anywhere on the line
};

void RegisterCommands(CLI::App& app, CommandContext& context);
// One per command file.
void RegisterDaemonCommands(CLI::App& app, CommandContext& context);
void RegisterFolderCommands(CLI::App& app, CommandContext& context);
void RegisterConflictCommands(CLI::App& app, CommandContext& context);
void RegisterDeviceCommands(CLI::App& app, CommandContext& context);
void RegisterPairCommand(CLI::App& app, CommandContext& context);
void RegisterStatusCommands(CLI::App& app, CommandContext& context);
void RegisterVersionCommands(CLI::App& app, CommandContext& context);
void RegisterInternetCommands(CLI::App& app, CommandContext& context);
void RegisterGuiCommand(CLI::App& app, CommandContext& context);

}  // namespace shoal::cli
