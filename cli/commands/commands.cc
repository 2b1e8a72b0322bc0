#include "cli/commands/commands.h"

#include "cli/commands/debug_scan.h"

namespace shoal::cli {

void RegisterCommands(CLI::App& app, CommandContext& context) {
  app.add_option("--home", context.client.home,
                 "Daemon home directory (default: $SHOAL_HOME, else $XDG_STATE_HOME/shoal)")
      ->type_name("DIR");  // the type names FOLDER, DIR, ... guide completion
  app.add_flag("--json", context.client.json, "Machine-readable output (docs/api.md shapes)");
  app.fallthrough();
  RegisterDaemonCommands(app, context);
  RegisterPairCommand(app, context);
  RegisterDeviceCommands(app, context);
  RegisterFolderCommands(app, context);
  RegisterConflictCommands(app, context);
  RegisterStatusCommands(app, context);
  RegisterVersionCommands(app, context);
  RegisterInternetCommands(app, context);
  RegisterGuiCommand(app, context);
  CLI::App* debug = app.add_subcommand("debug", "Developer tools that work without a daemon");
  debug->require_subcommand(1);
  RegisterDebugScan(*debug, context);
}

}  // namespace shoal::cli
