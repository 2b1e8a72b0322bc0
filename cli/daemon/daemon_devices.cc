// Daemon: device commands (docs/api.md "Devices"): list, add, remove,
// rename, pause, resume; and where to reach each device (configured
// addresses plus LAN sightings).
#include <sstream>

#include "cli/daemon/daemon.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"

namespace shoal::cli {
namespace {

std::vector<std::string> SplitAddresses(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

}  // namespace

Result<DeviceRecord> Daemon::FindDeviceArg(const std::string& arg) {
  auto devices = index_->ListDevices();
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

void Daemon::ApplyAddresses(const DeviceRecord& device) {
  if (device.paused) {
    peers_->Forget(device.id);
    return;
  }
  std::vector<std::string> addresses = SplitAddresses(device.addresses);
  auto found = discovered_.find(device.id.ToString());
  if (found != discovered_.end()) {
    addresses.insert(addresses.end(), found->second.begin(), found->second.end());
  }
  peers_->SetAddresses(device.id, addresses);
}

void Daemon::OnSighting(const net::Sighting& sighting) {
  const std::string address =
      (sighting.ip.find(':') != std::string::npos ? "[" + sighting.ip + "]" : sighting.ip) + ":" +
      std::to_string(sighting.announcement.listen_port);
  for (auto& join : joins_) join->OnSighting(sighting, address);
  if (sighting.announcement.pairing_tag) {
    std::erase_if(pairing_sightings_, [&](const PairingSighting& p) {
      return p.sighting.announcement.device == sighting.announcement.device;
    });
    pairing_sightings_.push_back({sighting, address, std::chrono::steady_clock::now()});
    if (pairing_sightings_.size() > kMaxPairingSightings) pairing_sightings_.pop_front();
  }
  auto device = index_->FindDevice(sighting.announcement.device);
  if (!device || !*device || (*device)->is_local) return;
  discovered_[sighting.announcement.device.ToString()] = {address};
  ApplyAddresses(**device);
  peers_->DialNow(sighting.announcement.device);
}

Json Daemon::DeviceList() {
  auto devices = index_->ListDevices();
  if (!devices) return devices.error();
  nlohmann::json list = nlohmann::json::array();
  for (const DeviceRecord& d : *devices) {
    if (d.is_local) continue;
    nlohmann::json entry{
        {"id", d.id.ToString()}, {"name", d.name},     {"addresses", SplitAddresses(d.addresses)},
        {"paused", d.paused},    {"connected", false}, {"address", ""},
        {"bytes_in", 0},         {"bytes_out", 0},     {"rate_in", 0},
        {"rate_out", 0}};
    if (auto stats = peers_->Stats(d.id)) {
      entry["connected"] = stats->connected;
      entry["address"] = stats->address;
      entry["bytes_in"] = stats->bytes_in;
      entry["bytes_out"] = stats->bytes_out;
      entry["rate_in"] = static_cast<std::int64_t>(stats->rate_in);
      entry["rate_out"] = static_cast<std::int64_t>(stats->rate_out);
      if (!stats->last_error.empty()) entry["last_error"] = stats->last_error;
    }
    auto [entries_in, entries_out] = hub_->IndexEntries(d.id);
    entry["index_entries_in"] = entries_in;
    entry["index_entries_out"] = entries_out;
    list.push_back(entry);
  }
  return nlohmann::json{{"devices", list}};
}

Json Daemon::DeviceAdd(const nlohmann::json& request) {
  auto id = DeviceId::Parse(StringField(request, "device"));
  if (!id)
    return Fail(ErrorCode::kInvalidArgument, "that is not a device ID: " + id.error().message);
  if (*id == identity_->device_id()) {
    return Fail(ErrorCode::kInvalidArgument, "that is this device's own ID");
  }
  auto existing = index_->FindDevice(*id);
  if (!existing) return existing.error();
  DeviceRecord record{{},    *id,  StringField(request, "name"), StringField(request, "address"),
                      false, false};
  if (*existing) {
    record.key = (*existing)->key;
    if (record.name.empty()) record.name = (*existing)->name;
    if (record.addresses.empty()) record.addresses = (*existing)->addresses;
  }
  auto key = index_->PutDevice(record);
  if (!key) return key.error();
  record.key = *key;
  ApplyAddresses(record);
  SHOAL_LOG(kInfo) << "device " << id->ToString() << " added";
  return nlohmann::json{{"id", id->ToString()}, {"name", record.name}};
}

Json Daemon::DeviceChange(const std::string& cmd, const nlohmann::json& request) {
  auto device = FindDeviceArg(StringField(request, "device"));
  if (!device) return device.error();
  if (cmd == "device-remove") {
    hub_->Disconnect(device->id);
    peers_->Forget(device->id);
    if (auto removed = index_->RemoveDevice(device->key); !removed) return removed.error();
    hub_->DropOffersFrom(device->id);
    discovered_.erase(device->id.ToString());
    hub_->RefreshAll();
    return nlohmann::json{{"id", device->id.ToString()}, {"removed", true}};
  }
  if (cmd == "device-rename") {
    device->name = StringField(request, "name");
  } else {
    device->paused = cmd == "device-pause";
  }
  if (auto put = index_->PutDevice(*device); !put) return put.error();
  if (device->paused) hub_->Disconnect(device->id);
  ApplyAddresses(*device);
  return nlohmann::json{
      {"id", device->id.ToString()}, {"name", device->name}, {"paused", device->paused}};
}

}  // namespace shoal::cli
