#include "cli/commands/commands.h"

namespace shoal::cli {

void RegisterCommands(CLI::App& app, CommandContext& context) {
  // Subcommands arrive with the engine and the daemon (see docs/cli.md).
  (void)app;
  (void)context;
}

}  // namespace shoal::cli
