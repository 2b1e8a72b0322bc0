// ControlApi: folder commands (docs/api.md "Folders"): add, remove, list,
// offers and accept, resume, share/unshare, rescan.
#include <sodium.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "cli/daemon/control_api.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"
#include "core/fs/posix_file_system.h"
#include "core/sync/folder_guard.h"

namespace shoal::cli {
namespace {

// "k3x9q-7mw2d": easy to read aloud, 50 bits, no look-alike letters needed.
std::string RandomFolderId() {
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  std::string id;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) id.push_back('-');
    id.push_back(kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)]);
  }
  return id;
}

bool Inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// The path with symlinks resolved as far as it exists, so that two names
// for one directory are seen as the same place.
std::string RealPath(const std::string& path) {
  std::error_code error;
  std::string real = std::filesystem::weakly_canonical(path, error).string();
  if (error) real = std::filesystem::path(path).lexically_normal().string();
  if (real.size() > 1 && real.back() == '/') real.pop_back();
  return real;
}

// Checks that `path` is a directory; a missing one is made only when
// `create` is set, so a mistyped path never becomes a new, empty synced
// folder (docs/api.md "folder-add"). Returns whether it was created.
Result<bool> MakeFolderRoot(const std::string& path, bool create) {
  std::error_code error;
  const bool existed = std::filesystem::exists(path, error);
  if (error) return Fail(ErrorCode::kIo, "cannot look at " + path + ": " + error.message());
  if (!existed) {
    if (!create) {
      // No CLI flag here: the web interface shows this too (its form has
      // a checkbox); the CLI puts its --create into the message itself.
      return Fail(ErrorCode::kNotFound, path +
                                            " does not exist — check the path, or have it "
                                            "created to start syncing a new, empty folder there");
    }
    std::filesystem::create_directories(path, error);
    if (error) return Fail(ErrorCode::kIo, "cannot create " + path + ": " + error.message());
  }
  if (!std::filesystem::is_directory(path, error)) {
    return Fail(ErrorCode::kInvalidArgument, path + " is not a directory");
  }
  return !existed;
}

}  // namespace

Result<FolderRecord> ControlApi::FindFolderArg(const std::string& arg) {
  auto folders = parts_.index.ListFolders();
  if (!folders) return folders.error();
  std::vector<FolderRecord> by_label;
  for (const FolderRecord& f : *folders) {
    if (f.id == arg) return f;
    if (f.label == arg || f.path == arg) by_label.push_back(f);
  }
  if (by_label.size() == 1) return by_label[0];
  if (by_label.size() > 1) {
    return Fail(ErrorCode::kInvalidArgument, "several folders are called " + arg +
                                                 " — name one by its ID (`shoal folder list`)");
  }
  return Fail(ErrorCode::kNotFound,
              "there is no folder " + arg + " — see `shoal folder list` for the folders");
}

Json ControlApi::FolderAdd(const nlohmann::json& request) {
  std::string path = StringField(request, "path");
  if (path.empty() || path.front() != '/') {
    return Fail(ErrorCode::kInvalidArgument, "the folder path must be absolute");
  }
  path = RealPath(path);
  const std::string home = RealPath(parts_.home.dir);
  if (Inside(path, home) || Inside(home, path)) {
    return Fail(ErrorCode::kInvalidArgument,
                "a folder cannot contain or be inside the daemon's home " + parts_.home.dir);
  }
  auto folders = parts_.index.ListFolders();
  if (!folders) return folders.error();
  for (const FolderRecord& f : *folders) {
    const std::string other = RealPath(f.path);
    if (Inside(path, other) || Inside(other, path)) {
      return Fail(ErrorCode::kConflict, path + " overlaps folder " + f.id + " at " + f.path);
    }
  }
  FolderRecord folder;
  folder.id = StringField(request, "folder_id");
  if (folder.id.empty()) folder.id = RandomFolderId();
  if (folder.id.size() > 64)
    return Fail(ErrorCode::kInvalidArgument, "folder IDs have at most 64 bytes");
  for (const FolderRecord& f : *folders) {
    if (f.id == folder.id)
      return Fail(ErrorCode::kConflict, "a folder " + folder.id + " exists already");
  }
  if (request.contains("hash_seed")) {
    auto seed = UintField(request, "hash_seed");
    if (!seed) return Fail(ErrorCode::kInvalidArgument, "hash_seed must be an unsigned integer");
    folder.hash_seed = *seed;
  }
  auto created = MakeFolderRoot(path, BoolField(request, "create"));
  if (!created) return created.error();
  // The marker and the root's device, recorded before the folder exists:
  // from its first scan on, a root without them is an unmounted drive.
  auto root = PosixFileSystem::Open(path);
  if (!root) return root.error();
  if (auto marked = WriteFolderMarker(**root, folder.id); !marked) {
    return marked.error().Wrap("folder " + path);
  }
  auto device = (*root)->ReopenRoot();
  if (!device) return device.error();
  folder.root_device = *device;
  folder.path = path;
  folder.label = StringField(request, "label");
  if (folder.label.empty()) folder.label = std::filesystem::path(path).filename().string();
  auto added = parts_.index.AddFolder(folder);
  if (!added) return added.error();
  auto started = parts_.folders.Start(*added);
  if (!started) return started.error();
  SHOAL_LOG(kInfo) << "folder " << added->id << " added at " << added->path
                   << (*created ? " (created)" : "");
  nlohmann::json json = FolderJson(**started, parts_.index);
  json["created"] = *created;
  return json;
}

Json ControlApi::FolderRemove(const nlohmann::json& request) {
  auto folder = FindFolderArg(StringField(request, "folder"));
  if (!folder) return folder.error();
  if (auto removed = parts_.index.RemoveFolder(folder->key); !removed) return removed.error();
  parts_.hub.RefreshAll();  // the sessions let go of its engine
  parts_.folders.Remove(folder->id);
  SHOAL_LOG(kInfo) << "folder " << folder->id << " removed; its files stay in " << folder->path;
  return nlohmann::json{{"id", folder->id}, {"path", folder->path}};
}

Json ControlApi::FolderList(const nlohmann::json& /*request*/) {
  nlohmann::json folders = nlohmann::json::array();
  for (auto& [id, runner] : parts_.folders) folders.push_back(FolderJson(*runner, parts_.index));
  return nlohmann::json{{"folders", folders}};
}

Json ControlApi::FolderOffers(const nlohmann::json& /*request*/) {
  nlohmann::json offers = nlohmann::json::array();
  for (const FolderOffer& offer : parts_.hub.offers()) {
    offers.push_back({{"folder", offer.folder_id},
                      {"label", offer.label},
                      {"device", offer.device.ToString()},
                      {"device_name", offer.device_name}});
  }
  return nlohmann::json{{"offers", offers}};
}

Json ControlApi::FolderAccept(const nlohmann::json& request) {
  const std::string wanted = StringField(request, "folder");
  std::vector<FolderOffer> matching;
  for (const FolderOffer& offer : parts_.hub.offers()) {
    if (offer.folder_id == wanted || offer.label == wanted) matching.push_back(offer);
  }
  if (matching.empty()) {
    return Fail(ErrorCode::kNotFound, "no device offers a folder " + wanted +
                                          " (yet) — it must be shared with this device first");
  }
  // A label names the folder only if it is not ambiguous; the devices that
  // offer that one folder are all accepted.
  const std::string folder_id = matching[0].folder_id;
  for (const FolderOffer& offer : matching) {
    if (offer.folder_id != folder_id) {
      return Fail(ErrorCode::kConflict, "more than one offered folder is labelled " + wanted +
                                            " — accept it by its ID (see `shoal folder offers`)");
    }
  }
  if (!parts_.folders.Find(folder_id)) {
    nlohmann::json add{{"path", StringField(request, "path")},
                       {"folder_id", folder_id},
                       {"label", matching[0].label},
                       {"hash_seed", matching[0].hash_seed},
                       {"create", true}};  // accepting into a new directory is the usual case
    Json added = FolderAdd(add);
    if (!added) return added;
  }
  FolderRunner& runner = *parts_.folders.Find(folder_id);
  for (const FolderOffer& offer : matching) {
    auto device = parts_.index.FindDevice(offer.device);
    if (!device || !*device) continue;
    if (auto shared = parts_.index.ShareFolder(runner.record().key, (*device)->key); !shared) {
      return shared.error();
    }
  }
  parts_.hub.DropOffer(folder_id);
  parts_.hub.RefreshAll();
  return FolderJson(runner, parts_.index);
}

Json ControlApi::FolderResume(const nlohmann::json& request) {
  auto folder = FindFolderArg(StringField(request, "folder"));
  if (!folder) return folder.error();
  FolderRunner* found = parts_.folders.Find(folder->id);
  if (!found) {
    return Fail(ErrorCode::kNotFound, "folder " + folder->id + " did not start (its root " +
                                          folder->path + " could not be opened; see the log)");
  }
  FolderRunner& runner = *found;
  const bool held = runner.engine().hold() != FolderHold::kNone;
  if (auto resumed = runner.Resume(); !resumed) return resumed.error();
  nlohmann::json json = FolderJson(runner, parts_.index);
  json["resumed"] = held;
  return json;
}

Json ControlApi::SetShared(const nlohmann::json& request, bool share) {
  auto folder = FindFolderArg(StringField(request, "folder"));
  if (!folder) return folder.error();
  auto device = FindDeviceArg(StringField(request, "device"));
  if (!device) return device.error();
  auto changed = share ? parts_.index.ShareFolder(folder->key, device->key)
                       : parts_.index.UnshareFolder(folder->key, device->key);
  if (!changed) return changed.error();
  parts_.hub.RefreshAll();
  return nlohmann::json{{"folder", folder->id},
                        {"device", device->id.ToString()},
                        {"device_name", device->name},
                        {"shared", share}};
}

void ControlApi::Rescan(const nlohmann::json& request, net::ControlReply reply) {
  const std::string only = StringField(request, "folder");
  const std::string path = StringField(request, "path");
  if (only.empty() && !path.empty()) {
    reply(Fail(ErrorCode::kInvalidArgument, "--path needs a folder"));
    return;
  }
  std::vector<FolderRunner*> targets;
  for (auto& [id, runner] : parts_.folders) {
    if (only.empty() || id == only || runner->record().label == only) {
      targets.push_back(runner.get());
    }
  }
  if (!only.empty() && targets.empty()) {
    reply(FindFolderArg(only).error());
    return;
  }
  struct Gather {
    net::ControlReply reply;
    nlohmann::json scanned = nlohmann::json::array();
    std::size_t left = 0;
    std::optional<Error> error;
  };
  auto gather = std::make_shared<Gather>(
      Gather{std::move(reply), nlohmann::json::array(), targets.size(), std::nullopt});
  if (targets.empty()) {
    gather->reply(nlohmann::json{{"scanned", gather->scanned}});
    return;
  }
  for (FolderRunner* runner : targets) {
    std::vector<std::string> paths;
    if (!path.empty()) {  // an absolute path inside the folder is fine too
      const std::string& root = runner->record().path;
      std::string relative = path;
      if (Inside(path, root))
        relative = path.size() > root.size() ? path.substr(root.size() + 1) : "";
      paths.push_back(relative);
    }
    runner->Rescan(paths, [gather, id = runner->record().id](const Result<ScanResult>& result) {
      if (!result) {
        if (!gather->error) gather->error = result.error();
      } else {
        gather->scanned.push_back({{"folder", id},
                                   {"changed", result->changed},
                                   {"deleted", result->deleted},
                                   {"hashed_bytes", result->hashed_bytes}});
      }
      if (--gather->left > 0) return;
      if (gather->error) {
        gather->reply(*gather->error);
      } else {
        gather->reply(nlohmann::json{{"scanned", gather->scanned}});
      }
    });
  }
}

}  // namespace shoal::cli
