// `shoal gui`: prints the web interface's URL with the login token and
// opens it in a browser when this session has a display (xdg-open when
// DISPLAY or WAYLAND_DISPLAY is set). The token rides in the URL's
// fragment, which a browser never sends to a server; the page trades it for
// a session cookie and drops it from the address bar.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"
#include "cli/daemon/home.h"
#include "cli/gui/gui_token.h"

extern char** environ;

namespace shoal::cli {
namespace {

bool HasDisplay() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') return true;
  }
  return false;
}

// Starts xdg-open on `url` without waiting for the browser; false when it
// cannot be started or fails.
bool OpenBrowser(const std::string& url) {
  std::string program = "xdg-open";
  char* argv[] = {program.data(), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  // xdg-open hands the URL to the browser and returns.
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int RunGui(const ClientOptions& options, bool no_browser) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  auto status = client->Call({{"cmd", "status"}});
  if (!status) return ReportError(status.error());
  const nlohmann::json gui = status->value("gui", nlohmann::json::object());
  if (!gui.contains("url")) {
    return ReportError(Error{ErrorCode::kNotFound, "the web interface is off (" +
                                                       gui.value("off", std::string("unknown")) +
                                                       ") — see `shoal daemon --help`, --gui"});
  }
  auto home = ResolveHome(options.home);
  if (!home) return ReportError(home.error());
  auto token = ReadGuiToken(home->dir);
  if (!token) return ReportError(token.error());
  const std::string url = gui["url"].get<std::string>() + "#token=" + *token;
  const bool opened = !no_browser && HasDisplay() && OpenBrowser(url);
  if (options.json) {
    std::printf("%s\n", nlohmann::json{{"url", url}, {"opened", opened}}.dump(2).c_str());
  } else {
    std::printf("%s\n", url.c_str());
    std::fprintf(stderr, opened ? "opened in your browser\n"
                                : "open this URL in a browser on this machine to log in\n");
  }
  return 0;
}

}  // namespace

void RegisterGuiCommand(CLI::App& app, CommandContext& context) {
  auto no_browser = std::make_shared<bool>(false);
  CLI::App* gui = app.add_subcommand(
      "gui", "Print the web interface's login URL and open it in a browser when there is one");
  gui->add_flag("--no-browser", *no_browser, "Only print the URL");
  gui->callback(
      [no_browser, &context] { context.exit_code = RunGui(context.client, *no_browser); });
}

}  // namespace shoal::cli
