// ControlApi: the daemon's control commands (docs/api.md "Commands"). It is
// the control socket's handler: it looks a request's "cmd" up in one command
// table and runs that command's handler. One file per area:
//
//   control_api.cc           the table, status, shutdown, the Folder object
//   control_api_folders.cc   folder-*, share, unshare, rescan
//   control_api_versions.cc  versions, restore
//   control_api_conflicts.cc conflicts, file-preview, conflict-keep
//   control_api_devices.cc   devices, device-*
//   control_api_pairing.cc   pair-invite, pair-join, pair-confirm
//
// A handler answers at once or keeps the reply to answer later (rescan,
// restore, conflict-keep, pair-join, shutdown). Requests come from any local program:
// fields are read through request_fields.h, so a missing field or one of
// the wrong type reads as absent and gets the same error as a bad value.
//
// It acts only on the parts of the daemon in ControlApiParts, never on the
// Daemon, so a test builds one on a temp home. Thread: the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/daemon/device_addresses.h"
#include "cli/daemon/folder_runners.h"
#include "cli/daemon/home.h"
#include "cli/daemon/pairing.h"
#include "cli/daemon/peer_hub.h"
#include "cli/daemon/relays.h"
#include "cli/daemon/rendezvous.h"
#include "core/base/clock.h"
#include "core/store/index.h"
#include "net/control/control_server.h"
#include "net/peer/peer_manager.h"
#include "net/reach/port_mapper.h"

namespace shoal::cli {

// A command's result object, or why it failed (becomes the error reply).
using Json = Result<nlohmann::json>;

// What the commands act on. The references outlive the ControlApi.
struct ControlApiParts {
  Index& index;
  Clock& clock;
  HomePaths home;
  DeviceId device;  // this device
  std::string device_name;
  std::int64_t keep_versions_days = 30;
  FolderRunners& folders;
  PeerHub& hub;
  net::PeerManager& peers;
  DeviceAddresses& addresses;
  Pairing& pairing;
  Relays& relays;
  Rendezvous& rendezvous;
  std::function<const net::PortMapper*()> port_mapper;  // null result: port mapping off
  std::function<Result<void>(bool on)> set_port_mapping;
  std::function<bool()> stopping;       // true once the daemon is shutting down
  std::function<void()> stop;           // `shutdown`: finish the batch in progress and exit
  std::function<nlohmann::json()> gui;  // `status`'s "gui"; null: not shown
};

// A folder as `status`, `folder list` and folder events show it (docs/api.md "Folder").
nlohmann::json FolderJson(FolderRunner& runner, Index& index);

// `path` relative to the folder `root`: an absolute path inside the root is
// made relative, "./" and trailing slashes are dropped; any other absolute
// path stays absolute (the caller refuses it).
std::string RelativeToRoot(std::string path, const std::string& root);

class ControlApi final : public net::ControlHandler {
 public:
  explicit ControlApi(ControlApiParts parts) : parts_(std::move(parts)) {}

  void OnRequest(const nlohmann::json& request, net::ControlReply reply) override;

 private:
  using AnswerNow = Json (ControlApi::*)(const nlohmann::json& request);
  using AnswerLater = void (ControlApi::*)(const nlohmann::json& request, net::ControlReply reply);
  using Handler = std::variant<AnswerNow, AnswerLater>;
  // Command name → handler, every command of docs/api.md but `subscribe`
  // (which the server handles).
  static const std::map<std::string, Handler, std::less<>>& Commands();

  // Status and shutdown (control_api.cc).
  Json Status(const nlohmann::json& request);
  void Shutdown(const nlohmann::json& request, net::ControlReply reply);
  // Relays (control_api.cc): `internet` shows them, `internet-set` replaces them.
  Json Internet(const nlohmann::json& request);
  nlohmann::json PortMappingStatus() const;
  Json InternetSet(const nlohmann::json& request);

  // Folders (control_api_folders.cc).
  Result<FolderRecord> FindFolderArg(const std::string& arg);
  Json FolderAdd(const nlohmann::json& request);
  Json FolderRemove(const nlohmann::json& request);
  Json FolderList(const nlohmann::json& request);
  Json FolderOffers(const nlohmann::json& request);
  Json FolderAccept(const nlohmann::json& request);
  // Confirms a held folder: a braked mass delete, or a changed root.
  Json FolderResume(const nlohmann::json& request);
  Json Share(const nlohmann::json& request) { return SetShared(request, true); }
  Json Unshare(const nlohmann::json& request) { return SetShared(request, false); }
  Json SetShared(const nlohmann::json& request, bool share);
  // Answers once every scan it asked for has been committed.
  void Rescan(const nlohmann::json& request, net::ControlReply reply);

  // Kept versions (control_api_versions.cc).
  Result<FolderRunner*> FindRunnerArg(const nlohmann::json& request);
  Json VersionList(const nlohmann::json& request);
  // Answers once the restored file has been rescanned.
  void VersionRestore(const nlohmann::json& request, net::ControlReply reply);

  // Conflicts (control_api_conflicts.cc).
  Json Conflicts(const nlohmann::json& request);
  struct FileArg {
    FolderRunner* runner;
    std::string path;  // relative to its root, not empty
  };
  // The request's `path`: absolute inside a folder, or relative to `folder`.
  Result<FileArg> FindFileArg(const nlohmann::json& request);
  Json PreviewFile(const nlohmann::json& request);
  // Answers once the names that changed have been rescanned.
  void ConflictKeep(const nlohmann::json& request, net::ControlReply reply);

  // Devices and pairing (control_api_devices.cc).
  Result<DeviceRecord> FindDeviceArg(const std::string& arg);
  Json DeviceList(const nlohmann::json& request);
  Json DeviceAdd(const nlohmann::json& request);
  Json DeviceRemove(const nlohmann::json& request);
  // Unpairs: disconnects, forgets its addresses, offers and shares.
  Json RemoveDevice(const DeviceRecord& device);
  Json DeviceRename(const nlohmann::json& request);
  Json DevicePause(const nlohmann::json& request) { return SetPaused(request, true); }
  Json DeviceResume(const nlohmann::json& request) { return SetPaused(request, false); }
  Json SetPaused(const nlohmann::json& request, bool paused);
  Json PutDevice(DeviceRecord device);

  // Pairing (control_api_pairing.cc).
  Json PairInvite(const nlohmann::json& request);
  // Answers when the pairing has ended.
  void PairJoinStart(const nlohmann::json& request, net::ControlReply reply);
  // Confirms (shares what waited) or rejects (unpairs) a pairing.
  Json PairConfirm(const nlohmann::json& request);
  // The folder IDs of the request's optional "share" folder.
  Result<std::vector<std::string>> ShareField(const nlohmann::json& request);

  ControlApiParts parts_;
};

}  // namespace shoal::cli
