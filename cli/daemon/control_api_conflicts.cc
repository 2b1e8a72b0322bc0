// ControlApi: conflicts (docs/api.md "Conflicts"): `conflicts` lists each
// conflict copy with both sides (size, time, device), `file-preview` reads
// the head of one side for the web interface, `conflict-keep` resolves a
// conflict by keeping one side. The work itself is core's (ReadFilePreview,
// KeepConflictSide); this file finds the folder and shapes the replies.
#include <map>
#include <vector>

#include "cli/daemon/control_api.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"
#include "core/fs/file_preview.h"
#include "core/pull/conflict_keep.h"
#include "core/pull/version_name.h"
#include "core/version/conflict.h"
#include "core/version/global_version.h"

namespace shoal::cli {
namespace {

const char* KindText(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kDirectory:
      return "directory";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kSpecial:
      break;
  }
  return "special";
}

std::int64_t UnixSeconds(std::int64_t ns) {
  return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
}

// One side of a conflict as the index has it: {type, size, mtime_unix,
// time, device, device_name}; `device` is the short ID of the device whose
// change made this content ("" when the index does not know it).
nlohmann::json SideJson(const FileInfo& file, const std::string& device,
                        const std::map<std::string, std::string>& device_names) {
  auto name = device_names.find(device);
  const std::int64_t mtime = UnixSeconds(file.mtime_ns);
  return {{"type", file.type == FileType::kSymlink ? "symlink" : "file"},
          {"size", file.size},
          {"mtime_unix", mtime},
          {"time", FormatUtcTime(mtime)},
          {"device", device},
          {"device_name", name == device_names.end() ? "" : name->second}};
}

}  // namespace

Json ControlApi::Conflicts(const nlohmann::json& request) {
  const std::string only = StringField(request, "folder");
  std::map<std::string, std::string> device_names;  // short ID → name
  auto devices = parts_.index.ListDevices();
  if (!devices) return devices.error();
  for (const DeviceRecord& d : *devices) device_names[ShortIdString(d.id.ShortId())] = d.name;
  device_names[ShortIdString(parts_.device.ShortId())] = parts_.device_name;
  nlohmann::json conflicts = nlohmann::json::array();
  for (auto& [id, runner] : parts_.folders) {
    if (!only.empty() && id != only && runner->record().label != only) continue;
    const FolderRecord& folder = runner->record();
    // Only the names that look like conflict copies, from their own index:
    // the page asks every few seconds, at any folder size.
    auto names = parts_.index.ConflictCopyNames(folder.key);
    if (!names) return names.error();
    std::vector<FileInfo> copies;
    for (const std::string& name : *names) {
      if (ConflictOriginalName(name).empty()) continue;
      auto global = parts_.index.GetGlobal(folder.key, name);
      if (!global) return global.error();
      if (*global && !(*global)->file.deleted) copies.push_back(std::move((*global)->file));
    }
    for (const FileInfo& copy : copies) {
      const std::string original = ConflictOriginalName(copy.name);
      auto now = parts_.index.GetGlobal(folder.key, original);
      if (!now) return now.error();
      nlohmann::json current;  // null: no file is at the original name
      if (*now && !(*now)->file.deleted && (*now)->file.type != FileType::kDirectory) {
        const std::uint64_t modifier = LastModifier((*now)->file.version);
        current =
            SideJson((*now)->file, modifier == 0 ? "" : ShortIdString(modifier), device_names);
      }
      conflicts.push_back({{"folder", id},
                           {"path", folder.path + "/" + copy.name},
                           {"name", copy.name},
                           {"original", original},
                           {"original_path", folder.path + "/" + original},
                           {"original_exists", !current.is_null()},
                           // The copy file is versioned by whichever device
                           // made it; its content's author is in its name.
                           {"copy", SideJson(copy, ConflictCopyAuthor(copy.name), device_names)},
                           {"current", current}});
    }
  }
  return nlohmann::json{{"conflicts", conflicts}};
}

Result<ControlApi::FileArg> ControlApi::FindFileArg(const nlohmann::json& request) {
  const std::string path = StringField(request, "path");
  FolderRunner* runner = nullptr;
  if (!StringField(request, "folder").empty()) {
    auto found = FindRunnerArg(request);
    if (!found) return found.error();
    runner = *found;
  } else {
    for (auto& [id, candidate] : parts_.folders) {
      const std::string& root = candidate->record().path;
      if (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/') {
        runner = candidate.get();
      }
    }
    if (!runner) {
      return Fail(ErrorCode::kNotFound,
                  "'" + path + "' is in no folder — give its absolute path, or name the folder");
    }
  }
  std::string relative = RelativeToRoot(path, runner->record().path);
  if (relative.empty()) return Fail(ErrorCode::kInvalidArgument, "name a file in the folder");
  if (relative.starts_with("/")) {
    return Fail(ErrorCode::kInvalidArgument, path + " is not inside folder " + runner->record().id +
                                                 " (at " + runner->record().path + ")");
  }
  return FileArg{runner, std::move(relative)};
}

Json ControlApi::PreviewFile(const nlohmann::json& request) {
  auto file = FindFileArg(request);
  if (!file) return file.error();
  const auto max_bytes = static_cast<std::size_t>(ClampedIntField(
      request, "max_bytes", kMaxPreviewBytes, 0, static_cast<std::int64_t>(kMaxPreviewBytes)));
  auto preview = ReadFilePreview(file->runner->fs(), file->path, max_bytes);
  if (!preview) return preview.error();
  const std::int64_t mtime = UnixSeconds(preview->mtime_ns);
  nlohmann::json json{{"folder", file->runner->record().id},
                      {"path", file->path},
                      {"kind", KindText(preview->kind)},
                      {"size", preview->size},
                      {"mtime_unix", mtime},
                      {"time", FormatUtcTime(mtime)},
                      {"text", preview->text},
                      {"truncated", preview->truncated}};
  if (preview->text) json["content"] = std::move(preview->content);
  return json;
}

void ControlApi::ConflictKeep(const nlohmann::json& request, net::ControlReply reply) {
  auto file = FindFileArg(request);
  if (!file) return reply(file.error());
  FolderRunner& runner = *file->runner;
  std::string only_copy = StringField(request, "copy");
  if (!only_copy.empty()) only_copy = RelativeToRoot(only_copy, runner.record().path);
  auto kept = KeepConflictSide(runner.fs(), parts_.clock, file->path, only_copy);
  if (!kept) return reply(kept.error());
  nlohmann::json versions = nlohmann::json::array();
  for (const ConflictKept::Moved& moved : kept->versions) {
    versions.push_back({{"path", moved.name},
                        {"stored", moved.stored},
                        {"location", runner.record().path + "/" + moved.stored}});
  }
  nlohmann::json result{{"folder", runner.record().id},
                        {"path", kept->original},
                        {"kept", kept->kept_copy ? "copy" : "original"},
                        {"versions", versions}};
  SHOAL_LOG(kInfo) << "folder " << runner.record().id << ": conflict on '" << kept->original
                   << "' resolved by keeping the " << result["kept"].get<std::string>();
  // Answered once the scan has made the result a local change (it syncs from there).
  runner.Rescan(kept->rescan, [reply, result](const Result<ScanResult>& scanned) mutable {
    if (!scanned) return reply(scanned.error().Wrap("rescan after keeping a conflict side"));
    reply(result);
  });
}

}  // namespace shoal::cli
