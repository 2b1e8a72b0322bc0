// Daemon: `status` and the control dispatcher (docs/api.md).
#include <chrono>
#include <set>
#include <utility>

#include "cli/daemon/daemon.h"
#include "cli/daemon/request_fields.h"
#include "cli/version.h"
#include "core/base/log.h"

namespace shoal::cli {
namespace {

void Reply(net::ControlReply& reply, Json result) { reply(std::move(result)); }

}  // namespace

void Daemon::OnRequest(const nlohmann::json& request, net::ControlReply reply) {
  const std::string cmd = StringField(request, "cmd");
  if (stopping_) {
    reply(Fail(ErrorCode::kBusy, "the daemon is shutting down"));
    return;
  }
  if (cmd == "status") return Reply(reply, Status());
  if (cmd == "folder-add") return Reply(reply, FolderAdd(request));
  if (cmd == "folder-remove") return Reply(reply, FolderRemove(request));
  if (cmd == "folder-list") return Reply(reply, FolderList());
  if (cmd == "folder-offers") return Reply(reply, FolderOffers());
  if (cmd == "folder-accept") return Reply(reply, FolderAccept(request));
  if (cmd == "folder-resume") return Reply(reply, FolderResume(request));
  if (cmd == "share") return Reply(reply, Share(request, true));
  if (cmd == "unshare") return Reply(reply, Share(request, false));
  if (cmd == "conflicts") return Reply(reply, Conflicts(request));
  if (cmd == "rescan") return RescanStart(request, std::move(reply));
  if (cmd == "versions") return Reply(reply, VersionList(request));
  if (cmd == "restore") return VersionRestore(request, std::move(reply));
  if (cmd == "devices") return Reply(reply, DeviceList());
  if (cmd == "device-add") return Reply(reply, DeviceAdd(request));
  if (cmd == "device-remove" || cmd == "device-rename" || cmd == "device-pause" ||
      cmd == "device-resume") {
    return Reply(reply, DeviceChange(cmd, request));
  }
  if (cmd == "pair-invite") return Reply(reply, PairInvite());
  if (cmd == "pair-join") return PairJoinStart(request, std::move(reply));
  if (cmd == "shutdown") {
    reply(nlohmann::json{{"stopping", true}});
    SHOAL_LOG(kInfo) << "shutdown requested over the control socket";
    Stop();
    return;
  }
  reply(Fail(ErrorCode::kNotFound, "unknown command " + cmd + " — see docs/api.md"));
}

nlohmann::json Daemon::FolderJson(FolderRunner& runner) {
  const FolderRecord& r = runner.record();
  FolderStatus s = runner.Status();
  nlohmann::json shared = nlohmann::json::array();
  if (auto keys = index_->SharedWith(r.key)) {
    auto devices = index_->ListDevices();
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

// Folder events are coalesced: a change only marks its folder, and at most
// once per kFolderEventInterval the marked folders' status is computed and
// published, to subscribers only and only when it differs from the last one
// sent. A status costs queries over the folder; a pull pass per index batch
// must not pay one each (issue 12: it was most of a sender's CPU).
void Daemon::PublishFolder(FolderRunner& runner) {
  if (!control_ || !publish_timer_) return;
  dirty_folders_.insert(runner.record().id);
  if (publish_scheduled_) return;
  publish_scheduled_ = true;
  publish_timer_->Start(kFolderEventInterval, [this] { FlushFolderEvents(); });
}

namespace {

std::int64_t NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Daemon::FlushFolderEvents() {
  publish_scheduled_ = false;
  std::set<std::string> dirty = std::exchange(dirty_folders_, {});
  if (!control_ || control_->subscriber_count() == 0) {
    published_.clear();  // a later subscriber gets the next change in full
    return;
  }
  for (const std::string& id : dirty) {
    auto it = runners_.find(id);
    if (it == runners_.end()) continue;
    nlohmann::json folder = FolderJson(*it->second);
    std::string text = folder.dump();
    std::string& last = published_[id];
    if (text == last) continue;
    last = std::move(text);
    control_->Publish(
        {{"event", "folder"}, {"unix_ms", NowUnixMillis()}, {"folder", std::move(folder)}});
  }
}

Json Daemon::Status() {
  Json folders = FolderList();
  if (!folders) return folders;
  Json devices = DeviceList();
  if (!devices) return devices;
  return nlohmann::json{{"device",
                         {{"id", identity_->device_id().ToString()},
                          {"name", options_.device_name},
                          {"listen_port", peers_->listen_port()},
                          {"version", kVersion}}},
                        {"folders", (*folders)["folders"]},
                        {"devices", (*devices)["devices"]},
                        {"offers", (*FolderOffers())["offers"]}};
}

}  // namespace shoal::cli
