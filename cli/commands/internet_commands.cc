// `shoal internet [show|set]`: the relays this device uses to reach devices
// beyond the LAN (docs/user-guide.md "Across the internet").
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct InternetArgs {
  std::vector<std::string> relays;
  bool relay_static = false;
  bool no_relay = false;
};

void PrintInternet(const nlohmann::json& r) {
  if (r["relays"].empty()) {
    std::printf("no relay: devices are reached on the LAN or at addresses you gave\n");
    return;
  }
  for (const auto& relay : r["relays"]) {
    std::printf("relay %s: %s\n", relay.value("url", "").c_str(), relay.value("state", "").c_str());
    if (relay.contains("relayed")) {
      std::printf("    reachable at %s (public address %s)\n", relay.value("relayed", "").c_str(),
                  relay.value("public_address", "").c_str());
    }
    if (relay.contains("error"))
      std::printf("    last error: %s\n", relay.value("error", "").c_str());
  }
}

}  // namespace

void RegisterInternetCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<InternetArgs>();
  CLI::App* internet =
      app.add_subcommand("internet", "Show or set how devices beyond the LAN are reached");
  internet->require_subcommand(0, 1);
  internet->callback([internet, &context] {
    if (!internet->get_subcommands().empty()) return;
    context.exit_code = CallAndPrint(context.client, {{"cmd", "internet"}}, PrintInternet);
  });
  CLI::App* show = internet->add_subcommand("show", "Show the relays and their state (default)");
  show->callback([&context] {
    context.exit_code = CallAndPrint(context.client, {{"cmd", "internet"}}, PrintInternet);
  });
  CLI::App* set = internet->add_subcommand(
      "set", "Replace the relays (kept in the home; the daemon uses them at once)");
  auto* relay = set->add_option("--relay", args->relays,
                                "turn://USER:SECRET@HOST:PORT (repeatable; SECRET is the "
                                "server's shared secret unless --relay-static)");
  set->add_flag("--relay-static", args->relay_static,
                "The secrets are static passwords, not a shared secret");
  set->add_flag("--no-relay", args->no_relay, "Use no relay")->excludes(relay);
  set->callback([args, &context] {
    if (args->relays.empty() && !args->no_relay) {
      std::fprintf(stderr, "shoal: internet set needs --relay URL or --no-relay\n");
      context.exit_code = 2;
      return;
    }
    nlohmann::json request{
        {"cmd", "internet-set"}, {"relays", args->relays}, {"static", args->relay_static}};
    context.exit_code = CallAndPrint(context.client, request, PrintInternet);
  });
}

}  // namespace shoal::cli
