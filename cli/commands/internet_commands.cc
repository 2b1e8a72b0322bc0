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
  std::string discovery;
  bool no_discovery = false;
  std::string port_mapping;  // "on" or "off"
};

void PrintPortMapping(const nlohmann::json& mapping) {
  std::printf("port mapping: %s\n", PortMappingSummary(mapping).c_str());
  if (mapping.contains("error")) std::printf("    %s\n", mapping.value("error", "").c_str());
}

void PrintInternet(const nlohmann::json& r) {
  const auto& rendezvous = r["rendezvous"];
  if (r["relays"].empty() && !rendezvous.is_object()) {
    std::printf(
        "no relay and no discovery server: devices are reached on the LAN or at "
        "addresses you gave\n");
    PrintPortMapping(r.value("port_mapping", nlohmann::json::object()));
    return;
  }
  if (rendezvous.is_object()) {
    std::printf("discovery server %s: %s\n    rendezvous ID %s\n",
                rendezvous.value("server", "").c_str(),
                rendezvous.value("announced", false) ? "announced" : "not announced",
                rendezvous.value("rendezvous_id", "").c_str());
    if (rendezvous.contains("error")) {
      std::printf("    last error: %s\n", rendezvous.value("error", "").c_str());
    }
  }
  for (const auto& relay : r["relays"]) {
    std::printf("relay %s: %s\n", relay.value("url", "").c_str(), relay.value("state", "").c_str());
    if (relay.contains("relayed")) {
      std::printf("    reachable at %s (public address %s)\n", relay.value("relayed", "").c_str(),
                  relay.value("public_address", "").c_str());
    }
    if (relay.contains("error")) {
      std::printf("    last error: %s\n", relay.value("error", "").c_str());
    }
  }
  PrintPortMapping(r.value("port_mapping", nlohmann::json::object()));
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
  auto* discovery = set->add_option("--discovery", args->discovery,
                                    "A discovery server for finding devices across the internet, "
                                    "https://HOST:PORT/?id=SERVER-ID");
  set->add_flag("--no-discovery", args->no_discovery, "Use no discovery server")
      ->excludes(discovery);
  set->add_option("--port-mapping", args->port_mapping,
                  "on or off: map the listening port on the router (NAT-PMP, UPnP)")
      ->check(CLI::IsMember({"on", "off"}));
  set->callback([args, &context] {
    nlohmann::json request{{"cmd", "internet-set"}};
    if (!args->relays.empty() || args->no_relay) {
      request["relays"] = args->relays;
      request["static"] = args->relay_static;
    }
    if (!args->discovery.empty() || args->no_discovery) request["discovery"] = args->discovery;
    if (!args->port_mapping.empty()) request["port_mapping"] = args->port_mapping == "on";
    if (request.size() == 1) {
      std::fprintf(stderr,
                   "shoal: internet set needs --relay URL, --no-relay, --discovery URL, "
                   "--no-discovery or --port-mapping on|off\n");
      context.exit_code = 2;
      return;
    }
    context.exit_code = CallAndPrint(context.client, request, PrintInternet);
  });
}

}  // namespace shoal::cli
