// Index: devices, folders, shares and per-peer index state.
#include <random>

#include "core/store/index.h"
#include "core/store/schema.h"
#include "core/store/transaction.h"

namespace shoal {
namespace {

// Non-zero 64-bit value from the OS entropy source (getrandom on Linux).
std::uint64_t RandomNonZero64() {
  std::random_device rd;
  std::uint64_t value = 0;
  while (value == 0) value = (std::uint64_t{rd()} << 32) ^ rd();
  return value;
}

Result<DeviceRecord> ReadDeviceRow(const Statement& s) {
  auto id = DeviceId::FromBytes(s.ColumnBlob(1));
  if (!id) return id.error().Wrap("devices table");
  return DeviceRecord{DeviceKey(s.ColumnInt(0)), *id,
                      s.ColumnText(2),           s.ColumnText(3),
                      s.ColumnInt(4) != 0,       s.ColumnInt(5) != 0};
}

FolderRecord ReadFolderRow(const Statement& s) {
  return FolderRecord{FolderKey(s.ColumnInt(0)),
                      s.ColumnText(1),
                      s.ColumnText(2),
                      s.ColumnText(3),
                      static_cast<std::uint64_t>(s.ColumnInt(4)),
                      static_cast<std::uint64_t>(s.ColumnInt(5)),
                      s.ColumnInt(6),
                      static_cast<std::uint64_t>(s.ColumnInt(7))};
}

}  // namespace

Result<DeviceKey> Index::PutDevice(const DeviceRecord& device) {
  auto stmt = db_.Prepare(sql::kUpsertDevice);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.BindBlob(1, device.id.bytes()).Bind(2, device.name).Bind(3, device.addresses);
  s.Bind(4, std::int64_t{device.is_local}).Bind(5, std::int64_t{device.paused});
  auto row = s.Step();
  if (!row) return row.error().Wrap("put device");
  DeviceKey key(s.ColumnInt(0));
  local_device_key_.reset();  // is_local may have changed
  return key;
}

Result<std::vector<DeviceRecord>> Index::ListDevices() {
  auto stmt = db_.Prepare(sql::kSelectDevices);
  if (!stmt) return stmt.error();
  std::vector<DeviceRecord> out;
  for (;;) {
    auto row = (*stmt)->Step();
    if (!row) return row.error().Wrap("list devices");
    if (!*row) break;
    auto device = ReadDeviceRow(**stmt);
    if (!device) return device.error();
    out.push_back(std::move(*device));
  }
  return out;
}

Result<std::optional<DeviceRecord>> Index::FindDevice(const DeviceId& id) {
  auto devices = ListDevices();  // a handful of rows; no dedicated query needed
  if (!devices) return devices.error();
  for (DeviceRecord& d : *devices) {
    if (d.id == id) return std::optional<DeviceRecord>(std::move(d));
  }
  return std::optional<DeviceRecord>();
}

Result<void> Index::RemoveDevice(DeviceKey device_key) {
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error().Wrap("remove device");
  // Its entries go with it (ON DELETE CASCADE); the names they covered need
  // their global version recomputed from the devices that remain.
  std::vector<std::pair<FolderKey, std::string>> names;
  {
    auto stmt = db_.Prepare(sql::kSelectNamesOfDevice);
    if (!stmt) return stmt.error();
    Statement& s = **stmt;
    s.Bind(1, device_key.value);
    for (;;) {
      auto row = s.Step();
      if (!row) return row.error().Wrap("remove device");
      if (!*row) break;
      names.emplace_back(FolderKey(s.ColumnInt(0)), s.ColumnText(1));
    }
  }
  // Only the local device's files have block locations.
  auto local_key = LocalDeviceKey();
  if (!local_key) return local_key.error();
  if (device_key == *local_key) {
    auto locations = db_.Prepare(sql::kDeleteLocationsOfDevice);
    if (!locations) return locations.error();
    if (auto ok = (*locations)->Bind(1, device_key.value).Run(); !ok) return ok;
  }
  auto stmt = db_.Prepare(sql::kDeleteDevice);
  if (!stmt) return stmt.error();
  if (auto ok = (*stmt)->Bind(1, device_key.value).Run(); !ok) return ok;
  local_device_key_.reset();
  for (const auto& [folder_key, name] : names) {
    if (auto ok = UpdateGlobal(folder_key, name); !ok) return ok.error().Wrap("remove device");
  }
  return tx->Commit();
}

Result<DeviceKey> Index::LocalDeviceKey() {
  if (local_device_key_) return *local_device_key_;
  auto devices = ListDevices();
  if (!devices) return devices.error();
  local_device_key_ = DeviceKey();
  for (const DeviceRecord& d : *devices) {
    if (d.is_local) local_device_key_ = d.key;
  }
  return *local_device_key_;
}

Result<FolderRecord> Index::AddFolder(FolderRecord folder) {
  if (folder.hash_seed == 0) folder.hash_seed = RandomNonZero64();
  if (folder.index_id == 0) folder.index_id = RandomNonZero64();
  auto stmt = db_.Prepare(sql::kInsertFolder);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder.id).Bind(2, folder.path).Bind(3, folder.label);
  s.Bind(4, static_cast<std::int64_t>(folder.hash_seed));
  s.Bind(5, static_cast<std::int64_t>(folder.index_id));
  s.Bind(6, static_cast<std::int64_t>(folder.root_device));
  auto row = s.Step();
  if (!row) {
    if (row.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "add folder: a folder with ID '" + folder.id + "' exists");
    }
    return row.error().Wrap("add folder '" + folder.id + "'");
  }
  folder.key = FolderKey(s.ColumnInt(0));
  folder.max_sequence = 0;
  return folder;
}

Result<std::vector<FolderRecord>> Index::ListFolders() {
  auto stmt = db_.Prepare(sql::kSelectFolders);
  if (!stmt) return stmt.error();
  std::vector<FolderRecord> out;
  for (;;) {
    auto row = (*stmt)->Step();
    if (!row) return row.error().Wrap("list folders");
    if (!*row) break;
    out.push_back(ReadFolderRow(**stmt));
  }
  return out;
}

Result<std::optional<FolderRecord>> Index::FindFolder(const std::string& folder_id) {
  auto folders = ListFolders();
  if (!folders) return folders.error();
  for (FolderRecord& f : *folders) {
    if (f.id == folder_id) return std::optional<FolderRecord>(std::move(f));
  }
  return std::optional<FolderRecord>();
}

Result<void> Index::RemoveFolder(FolderKey folder_key) {
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error().Wrap("remove folder");
  auto locations = db_.Prepare(sql::kDeleteLocationsOfFolder);
  if (!locations) return locations.error();
  if (auto ok = (*locations)->Bind(1, folder_key.value).Run(); !ok) return ok;
  auto stmt = db_.Prepare(sql::kDeleteFolder);
  if (!stmt) return stmt.error();
  if (auto ok = (*stmt)->Bind(1, folder_key.value).Run(); !ok) return ok;
  return tx->Commit();
}

Result<void> Index::SetRootDevice(FolderKey folder_key, std::uint64_t root_device) {
  auto stmt = db_.Prepare(sql::kUpdateRootDevice);
  if (!stmt) return stmt.error();
  return (*stmt)->Bind(1, folder_key.value).Bind(2, static_cast<std::int64_t>(root_device)).Run();
}

Result<void> Index::ShareFolder(FolderKey folder_key, DeviceKey device_key) {
  auto stmt = db_.Prepare(sql::kInsertShare);
  if (!stmt) return stmt.error();
  return (*stmt)->Bind(1, folder_key.value).Bind(2, device_key.value).Run();
}

Result<void> Index::UnshareFolder(FolderKey folder_key, DeviceKey device_key) {
  auto stmt = db_.Prepare(sql::kDeleteShare);
  if (!stmt) return stmt.error();
  return (*stmt)->Bind(1, folder_key.value).Bind(2, device_key.value).Run();
}

Result<std::vector<DeviceKey>> Index::SharedWith(FolderKey folder_key) {
  auto stmt = db_.Prepare(sql::kSelectShares);
  if (!stmt) return stmt.error();
  (*stmt)->Bind(1, folder_key.value);
  std::vector<DeviceKey> out;
  for (;;) {
    auto row = (*stmt)->Step();
    if (!row) return row.error().Wrap("list shares");
    if (!*row) break;
    out.push_back(DeviceKey((*stmt)->ColumnInt(0)));
  }
  return out;
}

Result<std::optional<PeerIndexState>> Index::GetPeerIndexState(FolderKey folder_key,
                                                               DeviceKey device_key) {
  auto stmt = db_.Prepare(sql::kSelectPeerIndexState);
  if (!stmt) return stmt.error();
  auto row = (*stmt)->Bind(1, folder_key.value).Bind(2, device_key.value).Step();
  if (!row) return row.error().Wrap("peer index state");
  if (!*row) return std::optional<PeerIndexState>();
  PeerIndexState state{static_cast<std::uint64_t>((*stmt)->ColumnInt(0)), (*stmt)->ColumnInt(1)};
  return std::optional<PeerIndexState>(state);
}

Result<void> Index::SetPeerIndexState(FolderKey folder_key, DeviceKey device_key,
                                      const PeerIndexState& state) {
  auto stmt = db_.Prepare(sql::kUpsertPeerIndexState);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value)
      .Bind(2, device_key.value)
      .Bind(3, static_cast<std::int64_t>(state.index_id));
  return s.Bind(4, state.max_sequence).Run();
}

}  // namespace shoal
