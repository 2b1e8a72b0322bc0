// `shoal daemon`, `shoal init`, `shoal id`, `shoal shutdown`.
#include <sys/resource.h>

#include <cstdio>
#include <memory>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"
#include "cli/daemon/daemon.h"
#include "cli/daemon/home.h"
#include "core/base/log.h"
#include "net/identity/identity.h"

namespace shoal::cli {
namespace {

struct DaemonFlags {
  std::string listen = "0.0.0.0:" + std::to_string(kDefaultListenPort);
  std::string name;
  bool no_discovery = false;
  bool no_watch = false;
  int rescan_seconds = 3600;
  int keep_versions_days = 30;
  std::string log_level = "info";
  std::vector<std::string> relays;
  bool relay_static = false;
  bool no_relay = false;
  std::string discovery;
  bool no_port_mapping = false;
  int serve_rate_mib = 1024;
  std::string gui = "127.0.0.1:8385";
  bool no_gui = false;
  std::string gui_password;
  bool gui_given = false;
};

// Service managers start us with a soft fd limit of 1024 whatever the hard
// limit allows; every session, watch and file open takes one. The daemon
// takes all it may (docs/security.md "Strangers").
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t was = limit.rlim_cur;
  // An unlimited hard limit still stops at the kernel's nr_open.
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  SHOAL_LOG(kDebug) << "open file limit raised from " << was << " to " << limit.rlim_cur;
}

int RunDaemon(const ClientOptions& client, const DaemonFlags& flags) {
  auto home = ResolveHome(client.home);
  if (!home) return ReportError(home.error());
  auto level = ParseLogLevel(flags.log_level);
  if (!level) {
    std::fprintf(stderr, "shoal: --log-level is one of debug, info, warning, error\n");
    return 2;
  }
  SetLogLevel(*level);
  RaiseOpenFileLimit();
  DaemonOptions options;
  options.home = home->dir;
  options.listen = flags.listen;
  options.device_name = flags.name;
  options.discovery = !flags.no_discovery;
  options.watch = !flags.no_watch;
  options.full_rescan_interval = std::chrono::seconds(flags.rescan_seconds);
  options.keep_versions_days = flags.keep_versions_days;
  options.set_relays = !flags.relays.empty() || flags.no_relay;
  options.relays = flags.relays;
  options.relay_static = flags.relay_static;
  options.discovery_server = flags.discovery;
  options.no_port_mapping = flags.no_port_mapping;
  options.serve_rate_bytes = std::int64_t{flags.serve_rate_mib} << 20;
  options.gui = !flags.no_gui;
  options.gui_address = flags.gui;
  options.gui_address_given = flags.gui_given;
  options.gui_password = flags.gui_password;
  Daemon daemon(options);
  return daemon.Run();
}

int RunInit(const ClientOptions& client) {
  auto home = ResolveHome(client.home);
  if (!home) return ReportError(home.error());
  if (auto prepared = PrepareHome(*home); !prepared) return ReportError(prepared.error());
  auto identity = net::Identity::LoadOrCreate(home->identity());
  if (!identity) return ReportError(identity.error());
  if (client.json) {
    std::printf("{\"id\": \"%s\", \"home\": \"%s\"}\n", identity->device_id().ToString().c_str(),
                home->dir.c_str());
  } else {
    std::printf("%s\n", identity->device_id().ToString().c_str());
    std::fprintf(stderr, "home: %s — start syncing with `shoal daemon`\n", home->dir.c_str());
  }
  return 0;
}

int RunId(const ClientOptions& client) {
  auto home = ResolveHome(client.home);
  if (!home) return ReportError(home.error());
  auto identity = net::Identity::Load(home->identity());
  if (!identity) {
    if (identity.error().code == ErrorCode::kNotFound) {
      std::fprintf(stderr,
                   "shoal: this device has no identity yet — run `shoal init` or `shoal daemon`\n");
      return kExitFailed;
    }
    return ReportError(identity.error());
  }
  if (client.json) {
    std::printf("{\"id\": \"%s\"}\n", identity->device_id().ToString().c_str());
  } else {
    std::printf("%s\n", identity->device_id().ToString().c_str());
  }
  return 0;
}

}  // namespace

void RegisterDaemonCommands(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<DaemonFlags>();
  CLI::App* daemon = app.add_subcommand("daemon", "Run the sync daemon in the foreground");
  daemon->add_option("--listen", flags->listen, "Address for peers, HOST:PORT")
      ->capture_default_str();
  daemon->add_option("--name", flags->name, "This device's name (default: the host name)");
  daemon->add_flag("--no-discovery", flags->no_discovery, "No LAN announcements");
  daemon->add_flag("--no-port-mapping", flags->no_port_mapping,
                   "Do not map the listening port on the router (NAT-PMP, UPnP); kept");
  daemon->add_flag("--no-watch", flags->no_watch, "No inotify; periodic rescans only");
  daemon->add_option("--rescan-interval", flags->rescan_seconds, "Seconds between full rescans")
      ->capture_default_str();
  daemon
      ->add_option("--keep-versions", flags->keep_versions_days,
                   "Days to keep what peers' changes replaced or deleted (.shoal/versions)")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  daemon
      ->add_option("--serve-rate", flags->serve_rate_mib,
                   "MiB per second each device may make this one read for it (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  auto* relay = daemon->add_option(
      "--relay", flags->relays,
      "A TURN relay for reaching devices behind NATs, turn://USER:SECRET@HOST:PORT (repeatable; "
      "SECRET is the server's shared secret unless --relay-static); kept for later starts");
  daemon->add_flag("--relay-static", flags->relay_static,
                   "The --relay secrets are static passwords, not a shared secret");
  daemon->add_flag("--no-relay", flags->no_relay, "Forget the kept relays")->excludes(relay);
  daemon->add_option("--discovery", flags->discovery,
                     "A discovery server for finding paired devices across the internet, "
                     "https://HOST:PORT/?id=SERVER-ID (Syncthing's stdiscosrv); kept");
  auto* gui = daemon->add_option("--gui", flags->gui, "Address of the web interface, HOST:PORT")
                  ->capture_default_str();
  daemon->add_flag("--no-gui", flags->no_gui, "No web interface")->excludes(gui);
  daemon
      ->add_option("--gui-password", flags->gui_password,
                   "Password for the web interface, required when --gui is not a loopback "
                   "address (or set SHOAL_GUI_PASSWORD)")
      ->envname("SHOAL_GUI_PASSWORD");
  daemon->add_option("--log-level", flags->log_level, "debug, info, warning or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  daemon->callback([flags, gui, &context] {
    flags->gui_given = gui->count() > 0;
    context.exit_code = RunDaemon(context.client, *flags);
  });

  CLI::App* init = app.add_subcommand("init", "Create this device's identity and print its ID");
  init->callback([&context] { context.exit_code = RunInit(context.client); });
  CLI::App* id = app.add_subcommand("id", "Print this device's ID");
  id->callback([&context] { context.exit_code = RunId(context.client); });

  CLI::App* shutdown = app.add_subcommand("shutdown", "Stop the daemon cleanly");
  shutdown->callback([&context] {
    context.exit_code = CallAndPrint(context.client, {{"cmd", "shutdown"}},
                                     [](const auto&) { std::printf("the daemon is stopping\n"); });
  });
}

}  // namespace shoal::cli
