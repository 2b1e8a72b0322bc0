// The `shoal` binary: argv -> command table -> exit code. Each subcommand
// lives in cli/commands/ and registers itself in RegisterCommands; main()
// only parses, dispatches and turns anything unexpected into exit code 70.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands/commands.h"
#include "cli/version.h"

namespace shoal::cli {
namespace {

int RealMain(int argc, char** argv) {
  CLI::App app{"Shoal: peer-to-peer folder sync, encrypted end to end.", "shoal"};
  app.set_version_flag("-V,--version", std::string("shoal ") + kVersion);
  app.require_subcommand(0, 1);
  app.footer("Run `shoal <command> --help` for a command's options.");
  CommandContext context;
  RegisterCommands(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here with exit code 0; every real parse
    // error is a usage error, exit code 2 (docs/cli.md).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return context.exit_code;
}

}  // namespace
}  // namespace shoal::cli

int main(int argc, char** argv) {
  try {
    return shoal::cli::RealMain(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shoal: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "shoal: internal error\n");
  }
  return 70;  // EX_SOFTWARE
}
