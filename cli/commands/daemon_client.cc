#include "cli/commands/daemon_client.h"

#include <cstdio>

#include "cli/daemon/home.h"

namespace shoal::cli {

Result<net::ControlClient> ConnectDaemon(const ClientOptions& options) {
  auto home = ResolveHome(options.home);
  if (!home) return home.error();
  return net::ControlClient::Connect(home->socket());
}

int ReportError(const Error& error) {
  std::fprintf(stderr, "shoal: %s\n", error.message.c_str());
  return error.code == ErrorCode::kNotFound &&
                 error.message.find("daemon is not running") != std::string::npos
             ? kExitNoDaemon
             : kExitFailed;
}

int CallAndPrint(const ClientOptions& options, const nlohmann::json& request,
                 const std::function<void(const nlohmann::json& result)>& human) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  auto result = client->Call(request);
  if (!result) return ReportError(result.error());
  if (options.json) {
    std::printf("%s\n", result->dump(2).c_str());
  } else {
    human(*result);
  }
  return 0;
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return text;
}

std::string DeviceLabel(const nlohmann::json& device, const char* name_key, const char* id_key) {
  const std::string name = device.value(name_key, "");
  const std::string id = device.value(id_key, "");
  if (name.empty()) return id;
  return name + " (" + id.substr(0, 7) + ")";
}

std::string PathNote(const nlohmann::json& device) {
  const std::string path = device.value("path", "");
  if (path == "lan") return " (LAN)";
  return path == "relayed" || path == "punched" ? " (" + path + ")" : "";
}

std::string PortMappingSummary(const nlohmann::json& mapping) {
  std::string out = mapping.value("state", "off");
  if (mapping.contains("external")) {
    out += " " + mapping.value("external", "") + " (" + mapping.value("protocol", "") + ")";
  }
  return out;
}

}  // namespace shoal::cli
