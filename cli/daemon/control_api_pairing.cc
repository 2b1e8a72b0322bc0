// ControlApi: pairing commands (docs/api.md "Pairing"): invite, join, and
// confirm. A folder named with an invite or a join is shared with the new
// device only by pair-confirm, once its owner has seen the same comparison
// code on both devices (docs/security.md "Pairing").
#include "cli/daemon/control_api.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"
#include "net/pairing/comparison_code.h"

namespace shoal::cli {

Result<std::vector<std::string>> ControlApi::ShareField(const nlohmann::json& request) {
  const std::string share = StringField(request, "share");
  if (share.empty()) return std::vector<std::string>{};
  auto folder = FindFolderArg(share);
  if (!folder) return folder.error();
  return std::vector<std::string>{folder->id};
}

Json ControlApi::PairInvite(const nlohmann::json& request) {
  auto share = ShareField(request);
  if (!share) return share.error();
  auto created = parts_.pairing.Invite(std::move(*share));
  if (!created) return created.error();
  return nlohmann::json{{"code", created->code},
                        {"expires_unix", created->expires_unix_nanos / 1'000'000'000},
                        {"device", parts_.device.ToString()},
                        {"listen_port", parts_.peers.listen_port()}};
}

void ControlApi::PairJoinStart(const nlohmann::json& request, net::ControlReply reply) {
  const auto timeout =
      std::chrono::seconds(ClampedIntField(request, "timeout_seconds", 60, 1, 900));
  auto share = ShareField(request);
  if (!share) return reply(share.error());
  parts_.pairing.Join(StringField(request, "code"), timeout, std::move(reply), std::move(*share));
}

// {code} confirms: the typed code must equal the pairing's comparison code;
// then its folders are shared. {reject: true}, or a code that differs,
// unpairs the device: the owners saw different codes, so it is not the
// device they meant to pair with.
Json ControlApi::PairConfirm(const nlohmann::json& request) {
  const bool reject =
      request.contains("reject") && request["reject"].is_boolean() && request["reject"].get<bool>();
  std::optional<std::string> typed;
  if (!reject) {
    typed = net::ParseComparisonCode(StringField(request, "code"));
    if (!typed) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a comparison code is six digits, like 123 456 — type the one the other "
                  "device shows");
    }
  }
  std::optional<DeviceId> only;
  if (const std::string arg = StringField(request, "device"); !arg.empty()) {
    auto device = FindDeviceArg(arg);
    if (!device) return device.error();
    only = device->id;
  }
  auto waiting = parts_.pairing.TakeUnconfirmed(only);
  if (!waiting) {
    return Fail(ErrorCode::kNotFound,
                "no pairing waits for confirmation (a daemon restart forgets them) — once the "
                "codes matched, share with `shoal share FOLDER DEVICE`");
  }
  auto found = parts_.index.FindDevice(waiting->device);
  if (!found) return found.error();
  if (!*found) {
    return Fail(ErrorCode::kNotFound,
                "device " + waiting->device.ToString() + " is no longer paired — pair again");
  }
  const DeviceRecord& device = **found;
  if (reject || *typed != waiting->code) {
    SHOAL_LOG(kWarning) << "pairing with " << device.id.ToString()
                        << " rejected: comparison code not confirmed; device removed";
    auto removed = RemoveDevice(device);
    if (!removed) return removed.error();
    if (reject) return removed;
    return Fail(ErrorCode::kUnauthorized,
                "the comparison code here is " + waiting->code + ", not " + *typed +
                    ": this is not the device you meant to pair with. Nothing was shared and " +
                    device.id.ToString() + " was removed — make a new invite and pair again");
  }
  nlohmann::json shared = nlohmann::json::array();
  for (const std::string& id : waiting->share) {
    auto folder = FindFolderArg(id);
    if (!folder) return folder.error();
    if (auto added = parts_.index.ShareFolder(folder->key, device.key); !added) {
      return added.error();
    }
    shared.push_back(folder->id);
  }
  if (!shared.empty()) parts_.hub.RefreshAll();
  SHOAL_LOG(kInfo) << "pairing with " << device.id.ToString() << " confirmed";
  return nlohmann::json{
      {"device", device.id.ToString()}, {"name", device.name}, {"shared", shared}};
}

}  // namespace shoal::cli
