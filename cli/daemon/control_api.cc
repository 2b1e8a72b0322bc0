#include "cli/daemon/control_api.h"

#include <utility>

#include "cli/daemon/internet_config.h"
#include "cli/daemon/request_fields.h"
#include "cli/version.h"
#include "core/base/log.h"

namespace shoal::cli {

const std::map<std::string, ControlApi::Handler, std::less<>>& ControlApi::Commands() {
  static const std::map<std::string, Handler, std::less<>> commands{
      {"status", &ControlApi::Status},
      {"folder-add", &ControlApi::FolderAdd},
      {"folder-remove", &ControlApi::FolderRemove},
      {"folder-list", &ControlApi::FolderList},
      {"folder-offers", &ControlApi::FolderOffers},
      {"folder-accept", &ControlApi::FolderAccept},
      {"folder-resume", &ControlApi::FolderResume},
      {"share", &ControlApi::Share},
      {"unshare", &ControlApi::Unshare},
      {"conflicts", &ControlApi::Conflicts},
      {"file-preview", &ControlApi::PreviewFile},
      {"conflict-keep", &ControlApi::ConflictKeep},
      {"rescan", &ControlApi::Rescan},
      {"versions", &ControlApi::VersionList},
      {"restore", &ControlApi::VersionRestore},
      {"devices", &ControlApi::DeviceList},
      {"device-add", &ControlApi::DeviceAdd},
      {"device-remove", &ControlApi::DeviceRemove},
      {"device-rename", &ControlApi::DeviceRename},
      {"device-pause", &ControlApi::DevicePause},
      {"device-resume", &ControlApi::DeviceResume},
      {"pair-invite", &ControlApi::PairInvite},
      {"pair-join", &ControlApi::PairJoinStart},
      {"pair-confirm", &ControlApi::PairConfirm},
      {"shutdown", &ControlApi::Shutdown},
      {"internet", &ControlApi::Internet},
      {"internet-set", &ControlApi::InternetSet},
  };
  return commands;
}

void ControlApi::OnRequest(const nlohmann::json& request, net::ControlReply reply) {
  const std::string cmd = StringField(request, "cmd");
  if (parts_.stopping && parts_.stopping()) {
    reply(Fail(ErrorCode::kBusy, "the daemon is shutting down"));
    return;
  }
  auto command = Commands().find(cmd);
  if (command == Commands().end()) {
    reply(Fail(ErrorCode::kNotFound, "unknown command " + cmd + " — see docs/api.md"));
    return;
  }
  if (auto* now = std::get_if<AnswerNow>(&command->second)) {
    reply((this->**now)(request));
  } else {
    (this->*std::get<AnswerLater>(command->second))(request, std::move(reply));
  }
}

nlohmann::json FolderJson(FolderRunner& runner, Index& index) {
  const FolderRecord& r = runner.record();
  FolderStatus s = runner.Status();
  nlohmann::json shared = nlohmann::json::array();
  if (auto keys = index.SharedWith(r.key)) {
    auto devices = index.ListDevices();
    for (DeviceKey key : *keys) {
      if (!devices) break;
      for (const DeviceRecord& d : *devices) {
        if (d.key == key) shared.push_back(d.id.ToString());
      }
    }
  }
  nlohmann::json json{{"id", r.id},
                      {"label", r.label},
                      {"path", r.path},
                      {"state", s.state},
                      {"files", s.files},
                      {"directories", s.directories},
                      {"bytes", s.bytes},
                      {"need", s.need},
                      {"need_bytes", s.need_bytes},
                      {"watcher", s.watcher},
                      {"last_scan_unix", s.last_scan_unix},
                      {"settling", s.settling},
                      {"shared_with", shared}};
  if (!s.error.empty()) json["error"] = s.error;
  nlohmann::json failures = nlohmann::json::array();
  for (const PullFailure& f : s.failures) {
    failures.push_back({{"path", f.name},
                        {"reason", f.reason},
                        {"attempts", f.attempts},
                        {"retry_unix", f.retry_at_ns / 1'000'000'000}});
  }
  json["failures"] = std::move(failures);
  if (s.scan_progress) {
    json["scan"] = {{"files_done", s.scan_files_done},
                    {"files_total", s.scan_files_total},
                    {"bytes_done", s.scan_bytes_done},
                    {"bytes_total", s.scan_bytes_total}};
  }
  return json;
}

Json ControlApi::Status(const nlohmann::json& request) {
  Json folders = FolderList(request);
  if (!folders) return folders;
  Json devices = DeviceList(request);
  if (!devices) return devices;
  nlohmann::json status{{"device",
                         {{"id", parts_.device.ToString()},
                          {"name", parts_.device_name},
                          {"listen_port", parts_.peers.listen_port()},
                          {"version", kVersion}}},
                        {"folders", (*folders)["folders"]},
                        {"devices", (*devices)["devices"]},
                        {"offers", (*FolderOffers(request))["offers"]},
                        {"relays", parts_.relays.Status()},
                        {"rendezvous", parts_.rendezvous.Status()},
                        {"port_mapping", PortMappingStatus()}};
  if (parts_.gui) status["gui"] = parts_.gui();
  return status;
}

Json ControlApi::Internet(const nlohmann::json& /*request*/) {
  return nlohmann::json{{"relays", parts_.relays.Status()},
                        {"rendezvous", parts_.rendezvous.Status()},
                        {"port_mapping", PortMappingStatus()}};
}

// {state: off|mapping|mapped|double NAT|no router answered|failed|stopped,
// protocol?, external?, external_ip?, error?}
nlohmann::json ControlApi::PortMappingStatus() const {
  const net::PortMapper* mapper = parts_.port_mapper ? parts_.port_mapper() : nullptr;
  if (mapper == nullptr) return {{"state", "off"}};
  nlohmann::json out{{"state", mapper->state()}};
  if (const net::PortMapping* mapped = mapper->mapping()) {
    out["protocol"] = mapped->protocol;
    out["external"] = mapped->Announced();
  }
  if (!mapper->external_ip().empty()) out["external_ip"] = mapper->external_ip();
  if (!mapper->last_error().empty()) out["error"] = mapper->last_error();
  return out;
}

// Optional fields, each replacing what is kept: {"relays":
// ["turn://USER:SECRET@HOST:PORT", ...], "static": bool} (empty list: no
// relay), {"discovery": "https://HOST:PORT/?id=SERVER-ID"} ("": none) and
// {"port_mapping": bool}. Saved in the home and started at once.
Json ControlApi::InternetSet(const nlohmann::json& request) {
  auto kept = LoadInternetConfig(parts_.home.dir);
  if (!kept) return kept.error();
  InternetConfig config = *kept;
  if (request.contains("relays")) {
    if (!request["relays"].is_array()) {
      return Fail(ErrorCode::kInvalidArgument, "relays must be a list of URLs");
    }
    bool is_static = request.value("static", false);
    config.relays.clear();
    for (const auto& url : request["relays"]) {
      if (!url.is_string()) {
        return Fail(ErrorCode::kInvalidArgument, "a relay must be a URL string");
      }
      auto server = net::ParseTurnUrl(url.get<std::string>(), is_static);
      if (!server) return server.error();
      config.relays.push_back(std::move(*server));
    }
  }
  if (request.contains("discovery")) {
    const std::string url = StringField(request, "discovery");
    config.discovery.reset();
    if (!url.empty()) {
      auto server = net::ParseDiscoveryUrl(url);
      if (!server) return server.error();
      config.discovery = *server;
    }
  }
  if (request.contains("port_mapping")) {
    if (!request["port_mapping"].is_boolean()) {
      return Fail(ErrorCode::kInvalidArgument, "port_mapping must be true or false");
    }
    config.port_mapping = request["port_mapping"].get<bool>();
  }
  if (auto saved = SaveInternetConfig(parts_.home.dir, config); !saved) return saved.error();
  if (request.contains("port_mapping") && parts_.set_port_mapping) {
    if (auto changed = parts_.set_port_mapping(config.port_mapping); !changed) {
      return changed.error();
    }
  }
  if (auto started = parts_.rendezvous.Configure(config.discovery); !started) {
    return started.error();
  }
  // Last: its change callback puts both into our Hello and announcements.
  if (auto started = parts_.relays.Configure(config.relays); !started) return started.error();
  return Internet(request);
}

// Answered before stopping: Stop() closes the control socket.
void ControlApi::Shutdown(const nlohmann::json& /*request*/, net::ControlReply reply) {
  reply(nlohmann::json{{"stopping", true}});
  SHOAL_LOG(kInfo) << "shutdown requested over the control socket";
  if (parts_.stop) parts_.stop();
}

}  // namespace shoal::cli
