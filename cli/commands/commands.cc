#include "cli/commands/commands.h"

#include "cli/commands/debug_scan.h"

namespace shoal::cli {

void RegisterCommands(CLI::App& app, CommandContext& context) {
  CLI::App* debug = app.add_subcommand("debug", "Developer tools that work without a daemon");
  debug->require_subcommand(1);
  RegisterDebugScan(*debug, context);
}

}  // namespace shoal::cli
