// Daemon: kept versions (docs/api.md "Versions"): `versions` lists them,
// `restore` puts one back and rescans it so it syncs as a new local change,
// and a daily timer prunes those older than --keep-versions days. The work
// itself is core's VersionArchive; this file only finds the folder, reads
// the request and shapes the reply.
#include <optional>

#include "cli/daemon/daemon.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"
#include "core/pull/version_archive.h"
#include "core/pull/version_name.h"

namespace shoal::cli {
namespace {

// The first prune waits for start-up scans; then once a day.
constexpr auto kFirstPrune = std::chrono::minutes(1);
constexpr auto kPruneInterval = std::chrono::hours(24);

// `path` relative to the folder root: an absolute path inside the root is
// fine too; "./" and trailing slashes are dropped.
std::string RelativeToRoot(std::string path, const std::string& root) {
  if (path == root) return "";
  if (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/') {
    path = path.substr(root.size() + 1);
  }
  while (path.starts_with("./")) path = path.substr(2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

const char* KindText(EntryKind kind) { return kind == EntryKind::kSymlink ? "symlink" : "file"; }

// `path` as RelativeToRoot left it must not still be absolute.
Result<void> CheckInside(const std::string& path, const FolderRecord& folder) {
  if (!path.starts_with("/")) return {};
  return Fail(ErrorCode::kInvalidArgument,
              path + " is not inside folder " + folder.id + " (at " + folder.path + ")");
}

nlohmann::json VersionJson(const KeptVersion& v, const std::string& root) {
  return {{"path", v.path},
          {"time", FormatUtcTime(v.unix_seconds)},
          {"time_unix", v.unix_seconds},
          {"size", v.size},
          {"kind", KindText(v.kind)},
          {"stored", v.stored},
          {"location", root + "/" + v.stored}};
}

}  // namespace

Result<FolderRunner*> Daemon::FindRunnerArg(const nlohmann::json& request) {
  const std::string folder_arg = StringField(request, "folder");
  if (folder_arg.empty()) return Fail(ErrorCode::kInvalidArgument, "name a folder");
  auto folder = FindFolderArg(folder_arg);
  if (!folder) return folder.error();
  auto it = runners_.find(folder->id);
  if (it == runners_.end()) {
    return Fail(ErrorCode::kBusy, "folder " + folder->id + " is not running (see the log)");
  }
  return it->second.get();
}

Json Daemon::VersionList(const nlohmann::json& request) {
  auto runner = FindRunnerArg(request);
  if (!runner) return runner.error();
  const std::string& root = (*runner)->record().path;
  const std::string path = RelativeToRoot(StringField(request, "path"), root);
  if (auto inside = CheckInside(path, (*runner)->record()); !inside) return inside.error();
  auto listed = VersionArchive((*runner)->fs(), clock_).List(path);
  if (!listed) return listed.error();
  nlohmann::json versions = nlohmann::json::array();
  for (const KeptVersion& v : *listed) versions.push_back(VersionJson(v, root));
  return nlohmann::json{{"folder", (*runner)->record().id},
                        {"path", path},
                        {"keep_days", options_.keep_versions_days},
                        {"versions", versions}};
}

void Daemon::VersionRestore(const nlohmann::json& request, net::ControlReply reply) {
  auto runner = FindRunnerArg(request);
  if (!runner) return reply(runner.error());
  const std::string& root = (*runner)->record().path;
  const std::string path = RelativeToRoot(StringField(request, "path"), root);
  if (path.empty()) return reply(Fail(ErrorCode::kInvalidArgument, "name the file to restore"));
  if (auto inside = CheckInside(path, (*runner)->record()); !inside) return reply(inside.error());
  std::optional<std::int64_t> at;
  if (auto it = request.find("at"); it != request.end() && !it->is_null()) {
    if (it->is_number_integer()) at = it->get<std::int64_t>();
    if (it->is_string()) at = ParseUtcTime(it->get<std::string>());
    if (!at) {
      return reply(Fail(ErrorCode::kInvalidArgument,
                        "--at wants a UTC time such as 2026-12-02T10:15:00Z, as "
                        "`shoal versions` shows it"));
    }
  }
  auto restored = VersionArchive((*runner)->fs(), clock_).Restore(path, at);
  if (!restored) return reply(restored.error());
  SHOAL_LOG(kInfo) << "folder " << (*runner)->record().id << ": restored '" << path
                   << "' from the version kept " << FormatUtcTime(restored->version.unix_seconds);
  nlohmann::json result = VersionJson(restored->version, root);
  result["folder"] = (*runner)->record().id;
  result["kept_current"] =
      restored->kept_current.empty() ? nlohmann::json() : nlohmann::json(restored->kept_current);
  // Answered once the scan has made the restore a local change (it syncs from there).
  (*runner)->Rescan({restored->scan_root},
                    [reply, result](const Result<ScanResult>& scanned) mutable {
                      if (!scanned) return reply(scanned.error().Wrap("rescan after restore"));
                      reply(result);
                    });
}

Result<void> Daemon::StartVersionPruning() {
  auto timer = net::Timer::Create(*loop_);
  if (!timer) return timer.error();
  prune_timer_ = std::move(*timer);
  prune_timer_->Start(kFirstPrune, [this] { PruneVersions(); });
  return {};
}

void Daemon::PruneVersions() {
  const std::int64_t keep_seconds = options_.keep_versions_days * 24 * 3600;
  for (auto& [id, runner] : runners_) {
    auto removed = VersionArchive(runner->fs(), clock_).Prune(keep_seconds);
    if (!removed) {
      SHOAL_LOG(kWarning) << "folder " << id << ": " << removed.error().message;
    } else if (*removed > 0) {
      SHOAL_LOG(kInfo) << "folder " << id << ": removed " << *removed << " versions kept more than "
                       << options_.keep_versions_days << " days";
    }
  }
  prune_timer_->Start(std::chrono::duration_cast<std::chrono::milliseconds>(kPruneInterval),
                      [this] { PruneVersions(); });
}

}  // namespace shoal::cli
