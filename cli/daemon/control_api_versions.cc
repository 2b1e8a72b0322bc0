// ControlApi: kept versions (docs/api.md "Versions"): `versions` lists them,
// `restore` puts one back and rescans it so it syncs as a new local change.
// The work itself is core's VersionArchive; this file only finds the
// folder, reads the request and shapes the reply. (The daily pruning is the
// daemon's timer.)
#include <optional>

#include "cli/daemon/control_api.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"
#include "core/pull/version_archive.h"
#include "core/pull/version_name.h"

namespace shoal::cli {
namespace {

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

std::string RelativeToRoot(std::string path, const std::string& root) {
  if (path == root) return "";
  if (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/') {
    path = path.substr(root.size() + 1);
  }
  while (path.starts_with("./")) path = path.substr(2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

Result<FolderRunner*> ControlApi::FindRunnerArg(const nlohmann::json& request) {
  const std::string folder_arg = StringField(request, "folder");
  if (folder_arg.empty()) return Fail(ErrorCode::kInvalidArgument, "name a folder");
  auto folder = FindFolderArg(folder_arg);
  if (!folder) return folder.error();
  FolderRunner* runner = parts_.folders.Find(folder->id);
  if (!runner) {
    return Fail(ErrorCode::kBusy, "folder " + folder->id + " is not running (see the log)");
  }
  return runner;
}

Json ControlApi::VersionList(const nlohmann::json& request) {
  auto runner = FindRunnerArg(request);
  if (!runner) return runner.error();
  const std::string& root = (*runner)->record().path;
  const std::string path = RelativeToRoot(StringField(request, "path"), root);
  if (auto inside = CheckInside(path, (*runner)->record()); !inside) return inside.error();
  auto listed = VersionArchive((*runner)->fs(), parts_.clock).List(path);
  if (!listed) return listed.error();
  nlohmann::json versions = nlohmann::json::array();
  for (const KeptVersion& v : *listed) versions.push_back(VersionJson(v, root));
  return nlohmann::json{{"folder", (*runner)->record().id},
                        {"path", path},
                        {"keep_days", parts_.keep_versions_days},
                        {"versions", versions}};
}

void ControlApi::VersionRestore(const nlohmann::json& request, net::ControlReply reply) {
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
  auto restored = VersionArchive((*runner)->fs(), parts_.clock).Restore(path, at);
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

}  // namespace shoal::cli
