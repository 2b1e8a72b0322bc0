// ControlApi: device commands (docs/api.md "Devices"): list, add, remove,
// rename, pause, resume.
#include "cli/daemon/control_api.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"

namespace shoal::cli {

Result<DeviceRecord> ControlApi::FindDeviceArg(const std::string& arg) {
  auto devices = parts_.index.ListDevices();
  if (!devices) return devices.error();
  auto parsed = DeviceId::Parse(arg);
  std::vector<DeviceRecord> matches;
  for (const DeviceRecord& d : *devices) {
    if (d.is_local) continue;
    if (parsed && d.id == *parsed) return d;
    const std::string text = d.id.ToString();
    if (d.name == arg || (arg.size() >= 7 && text.compare(0, arg.size(), arg) == 0)) {
      matches.push_back(d);
    }
  }
  if (matches.size() == 1) return matches[0];
  if (matches.size() > 1) {
    return Fail(ErrorCode::kInvalidArgument,
                arg + " matches several devices — give more of the device ID");
  }
  return Fail(ErrorCode::kNotFound,
              "there is no paired device " + arg + " — see `shoal devices` for the list");
}

namespace {

// Why a paired device is not connected, in words a user can act on; empty
// while nothing has failed yet.
std::string WhyNotConnected(const std::vector<std::string>& addresses, const std::string& error,
                            bool have_relay, bool have_discovery) {
  bool direct = false, relayed = false, rendezvous = false;
  for (const std::string& address : addresses) {
    if (net::IsRelayAddress(address)) {
      relayed = true;
    } else if (address.rfind(kRendezvousScheme, 0) == 0) {
      rendezvous = true;
    } else {
      direct = true;
    }
  }
  if (!direct && !relayed) {
    if (rendezvous && have_discovery) return "looking for it on the discovery server";
    return "no address known for it: meet on a LAN, add one (`shoal devices add ID --address "
           "HOST:PORT`), or have both devices use a relay and a discovery server (`shoal "
           "internet set`)";
  }
  if (error.empty()) return {};
  if (!relayed && !have_relay) {
    return "its addresses do not answer (" + error +
           "); a device behind a NAT is reached through a relay: `shoal internet set --relay "
           "turn://USER:SECRET@HOST:PORT` on both";
  }
  return "unreachable: " + error;
}

}  // namespace

Json ControlApi::DeviceList(const nlohmann::json& /*request*/) {
  auto devices = parts_.index.ListDevices();
  if (!devices) return devices.error();
  nlohmann::json list = nlohmann::json::array();
  for (const DeviceRecord& d : *devices) {
    if (d.is_local) continue;
    nlohmann::json entry{
        {"id", d.id.ToString()}, {"name", d.name},     {"addresses", SplitAddresses(d.addresses)},
        {"paused", d.paused},    {"connected", false}, {"address", ""},
        {"bytes_in", 0},         {"bytes_out", 0},     {"rate_in", 0},
        {"rate_out", 0}};
    const auto stats = parts_.peers.Stats(d.id);
    if (stats) {
      entry["connected"] = stats->connected;
      entry["address"] = stats->address;
      entry["path"] = stats->connected ? std::string(net::PathClassName(stats->path)) : "";
      if (stats->connected) entry["legs"] = stats->legs;
      entry["bytes_in"] = stats->bytes_in;
      entry["bytes_out"] = stats->bytes_out;
      entry["rate_in"] = static_cast<std::int64_t>(stats->rate_in);
      entry["rate_out"] = static_cast<std::int64_t>(stats->rate_out);
      if (!stats->last_error.empty()) entry["last_error"] = stats->last_error;
      if (!stats->punch.empty()) entry["punch"] = stats->punch;
    }
    if (!d.paused && !(stats && stats->connected)) {
      std::string why =
          WhyNotConnected(SplitAddresses(d.addresses), stats ? stats->last_error : std::string(),
                          parts_.relays.configured(), parts_.rendezvous.configured());
      if (!why.empty()) entry["unreachable"] = std::move(why);
    }
    auto [entries_in, entries_out] = parts_.hub.IndexEntries(d.id);
    entry["index_entries_in"] = entries_in;
    entry["index_entries_out"] = entries_out;
    list.push_back(entry);
  }
  return nlohmann::json{{"devices", list}};
}

Json ControlApi::DeviceAdd(const nlohmann::json& request) {
  auto id = DeviceId::Parse(StringField(request, "device"));
  if (!id)
    return Fail(ErrorCode::kInvalidArgument, "that is not a device ID: " + id.error().message);
  if (*id == parts_.device) {
    return Fail(ErrorCode::kInvalidArgument, "that is this device's own ID");
  }
  auto existing = parts_.index.FindDevice(*id);
  if (!existing) return existing.error();
  DeviceRecord record{{},    *id,  StringField(request, "name"), StringField(request, "address"),
                      false, false};
  if (*existing) {
    record.key = (*existing)->key;
    if (record.name.empty()) record.name = (*existing)->name;
    if (record.addresses.empty()) record.addresses = (*existing)->addresses;
  }
  auto key = parts_.index.PutDevice(record);
  if (!key) return key.error();
  record.key = *key;
  parts_.addresses.Apply(record);
  parts_.rendezvous.Wake();  // a rendezvous ID among its addresses is looked up now
  SHOAL_LOG(kInfo) << "device " << id->ToString() << " added";
  return nlohmann::json{{"id", id->ToString()}, {"name", record.name}};
}

Json ControlApi::DeviceRemove(const nlohmann::json& request) {
  auto device = FindDeviceArg(StringField(request, "device"));
  if (!device) return device.error();
  return RemoveDevice(*device);
}

Json ControlApi::RemoveDevice(const DeviceRecord& device) {
  parts_.hub.Disconnect(device.id);
  parts_.peers.Forget(device.id);
  if (auto removed = parts_.index.RemoveDevice(device.key); !removed) return removed.error();
  parts_.hub.DropOffersFrom(device.id);
  parts_.addresses.DropSightings(device.id);
  parts_.hub.RefreshAll();
  return nlohmann::json{{"id", device.id.ToString()}, {"name", device.name}, {"removed", true}};
}

Json ControlApi::DeviceRename(const nlohmann::json& request) {
  auto device = FindDeviceArg(StringField(request, "device"));
  if (!device) return device.error();
  device->name = StringField(request, "name");
  return PutDevice(std::move(*device));
}

Json ControlApi::SetPaused(const nlohmann::json& request, bool paused) {
  auto device = FindDeviceArg(StringField(request, "device"));
  if (!device) return device.error();
  device->paused = paused;
  return PutDevice(std::move(*device));
}

// Stores a renamed, paused or resumed device and tells the peers.
Json ControlApi::PutDevice(DeviceRecord device) {
  if (auto put = parts_.index.PutDevice(device); !put) return put.error();
  if (device.paused) parts_.hub.Disconnect(device.id);
  parts_.addresses.Apply(device);
  parts_.rendezvous.Wake();
  return nlohmann::json{
      {"id", device.id.ToString()}, {"name", device.name}, {"paused", device.paused}};
}

}  // namespace shoal::cli
