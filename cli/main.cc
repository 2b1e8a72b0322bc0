// The `shoal` binary: argv -> command table -> exit code. Each subcommand
// lives in cli/commands/ and registers itself in RegisterCommands; main()
// only parses, dispatches and turns anything unexpected into exit code 70.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/commands/usage_error.h"
#include "cli/completion/complete_command.h"
#include "cli/version.h"

namespace shoal::cli {
namespace {

int RealMain(int argc, char** argv) {
  CLI::App app{"Shoal: peer-to-peer folder sync, encrypted end to end.", "shoal"};
  app.set_version_flag("-V,--version", std::string("shoal ") + kVersion);
  app.require_subcommand(0, 1);
  app.footer("Run `shoal <command> --help` for a command's options.");
  app.failure_message(UsageError);  // before the commands: they copy it
  CommandContext context;
  RegisterCommands(app, context);
  // `shoal help [COMMAND]`, the first thing many people type: --help's text.
  std::string topic;
  CLI::App* help = app.add_subcommand("help", "The same as --help; `help COMMAND` for one");
  help->add_option("COMMAND", topic, "A command");
  // Before parsing: the words of a half-typed line are no command line.
  if (argc >= 2 && std::string(argv[1]) == kCompleteCommand) {
    return RunCompletion(app, std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here with exit code 0; every real parse
    // error is a usage error, exit code 2 (docs/cli.md).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (help->parsed()) {  // as if it were `shoal [COMMAND] --help`
    std::vector<std::string> args{argv[0]};
    const auto commands = app.get_subcommands({});
    if (!topic.empty() && std::none_of(commands.begin(), commands.end(),
                                       [&](const CLI::App* c) { return c->get_name() == topic; })) {
      std::fprintf(stderr, "shoal: %s is not a command — `shoal --help` lists the commands\n",
                   topic.c_str());
      return 2;
    }
    if (!topic.empty()) args.push_back(topic);
    args.push_back("--help");
    std::vector<char*> again;
    for (std::string& a : args) again.push_back(a.data());
    return RealMain(static_cast<int>(again.size()), again.data());
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
