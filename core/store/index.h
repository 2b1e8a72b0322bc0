// Index: the device's persistent state in one SQLite database — config
// (devices, folders, shares), every device's FileInfo per folder, the
// deduplicated block lists, the local block-location index, and how far each
// peer's index we have received. Schema and rationale: docs/storage.md.
//
// Keys: rows are addressed by FolderKey and DeviceKey (core/model/store_keys.h,
// SQLite rowids) inside the process; DeviceId and folder IDs are the external
// names. Every method is atomic on its own, and also composes inside a
// caller's Transaction on db().
// Thread: one thread at a time (see Database).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/device_id.h"
#include "core/model/file_info.h"
#include "core/model/store_keys.h"
#include "core/store/database.h"
#include "core/store/need_journal.h"

namespace shoal {

struct DeviceRecord {
  DeviceKey key;  // assigned by the store
  DeviceId id;
  std::string name;
  std::string addresses;  // space-separated "host:port" hints
  bool is_local = false;
  bool paused = false;
};

struct FolderRecord {
  FolderKey key;     // assigned by the store
  std::string id;    // shared with peers
  std::string path;  // local root, absolute
  std::string label;
  std::uint64_t hash_seed = 0;  // random when 0 at AddFolder
  std::uint64_t index_id = 0;   // random when 0 at AddFolder
  std::int64_t max_sequence = 0;
  // st_dev of the root when its marker was written (core/sync/folder_guard.h);
  // 0 = not recorded yet (a folder from before markers).
  std::uint64_t root_device = 0;
};

struct LiveTotals {
  std::int64_t files = 0;
  std::int64_t directories = 0;
  std::int64_t symlinks = 0;
  std::int64_t bytes = 0;  // of the files
};

struct NeedTotals {
  std::int64_t names = 0;  // needed names (files, directories, links, deletions)
  std::int64_t bytes = 0;  // the size of the needed files' global versions
};

struct PeerIndexState {
  std::uint64_t index_id = 0;     // the peer's index ID we last received from
  std::int64_t max_sequence = 0;  // highest of its sequences we have stored
};

struct BlockLocation {
  FolderKey folder_key;
  std::string name;
  std::int64_t offset = 0;
  std::uint32_t size = 0;
};

// The global version of a name: the winning entry and the device it is from.
struct GlobalFile {
  FileInfo file;
  DeviceKey device_key;
};

class Index {
 public:
  // Opens (creating if missing) and migrates the database at `path`.
  static Result<Index> Open(const std::string& path);
  // A read-only second connection to the index at `path` (already open and
  // migrated by Open): for reads on another thread. Any writing call fails.
  static Result<Index> OpenReader(const std::string& path);

  Database& db() { return db_; }

  // Devices. PutDevice inserts or updates by DeviceId and returns the key.
  Result<DeviceKey> PutDevice(const DeviceRecord& device);
  Result<std::vector<DeviceRecord>> ListDevices();
  Result<std::optional<DeviceRecord>> FindDevice(const DeviceId& id);
  Result<void> RemoveDevice(DeviceKey device_key);
  // Key of the device marked is_local, or key 0 if none is yet.
  Result<DeviceKey> LocalDeviceKey();

  // Folders. AddFolder fails with kConflict if the ID exists.
  Result<FolderRecord> AddFolder(FolderRecord folder);
  Result<std::vector<FolderRecord>> ListFolders();
  Result<std::optional<FolderRecord>> FindFolder(const std::string& folder_id);
  Result<void> RemoveFolder(FolderKey folder_key);  // drops its files too
  Result<void> SetRootDevice(FolderKey folder_key, std::uint64_t root_device);

  Result<void> ShareFolder(FolderKey folder_key, DeviceKey device_key);
  Result<void> UnshareFolder(FolderKey folder_key, DeviceKey device_key);
  Result<std::vector<DeviceKey>> SharedWith(FolderKey folder_key);

  Result<std::optional<PeerIndexState>> GetPeerIndexState(FolderKey folder_key,
                                                          DeviceKey device_key);
  Result<void> SetPeerIndexState(FolderKey folder_key, DeviceKey device_key,
                                 const PeerIndexState& state);

  // Files. Inserts or replaces each entry by name, in one transaction (all
  // or nothing). When `device_key` is the local device, each entry gets the
  // next local sequence (written back into `files`) and its blocks enter the
  // location index. Other devices' entries are stored with sequence 0 (read
  // back as 0): only local sequences are ever read (schema v8).
  Result<void> PutFiles(FolderKey folder_key, DeviceKey device_key, std::span<FileInfo> files);
  // Records the inode of a local entry without a new sequence or version:
  // the content was re-read and found unchanged (core/scan "racy" entries).
  Result<void> SetLocalInode(FolderKey folder_key, DeviceKey device_key, const std::string& name,
                             std::uint64_t inode);
  Result<std::optional<FileInfo>> GetFile(FolderKey folder_key, DeviceKey device_key,
                                          const std::string& name);
  // Forgets entries entirely (not tombstones: those are PutFiles with
  // deleted = true). For dropping a peer's index after it reset.
  Result<void> DeleteFiles(FolderKey folder_key, DeviceKey device_key,
                           std::span<const std::string> names);
  // DeleteFiles of every entry the device has in the folder.
  Result<void> DeleteAllFiles(FolderKey folder_key, DeviceKey device_key);
  // Calls `visit` for every entry with sequence > `since`, in sequence order,
  // reading in pages so memory stays flat; `visit` returns false to stop.
  // No statement is open while `visit` runs, so it may use this Index.
  Result<void> ForEachSince(FolderKey folder_key, DeviceKey device_key, std::int64_t since,
                            const std::function<bool(FileInfo&&)>& visit);
  // Entries named `prefix` or beneath it ("" = the whole folder), ordered by
  // name, with `blocks` left empty: what change detection compares against.
  Result<std::vector<FileInfo>> ListMetadataUnder(FolderKey folder_key, DeviceKey device_key,
                                                  const std::string& prefix);
  // The same for the whole folder a page at a time: at most `limit`
  // entries named after `after` (bytewise), in name order.
  Result<std::vector<FileInfo>> ListMetadataAfter(FolderKey folder_key, DeviceKey device_key,
                                                  const std::string& after, std::int64_t limit);
  Result<std::int64_t> CountFiles(FolderKey folder_key, DeviceKey device_key);
  // What a device holds of a folder, deleted entries excluded (for status).
  // Kept by triggers as rows change: one row read, at any folder size.
  Result<LiveTotals> CountLive(FolderKey folder_key, DeviceKey device_key);

  // Where a block with this hash can be read locally in this folder (block
  // IDs are seeded per folder, so other folders cannot match): at most
  // `limit` places (a file of one block repeated has one per copy). Callers
  // verify the hash after reading: the file may have changed since.
  static constexpr std::int64_t kMaxBlockPlaces = 16;
  Result<std::vector<BlockLocation>> FindBlock(FolderKey folder_key, const Hash128& hash,
                                               std::int64_t limit = kMaxBlockPlaces);
  // The size of the block with this hash at `offset` of the local live file
  // `name`, if the index holds one there: what may be served to a peer.
  Result<std::optional<std::uint32_t>> LocalBlockAt(FolderKey folder_key, const std::string& name,
                                                    std::int64_t offset, const Hash128& hash);

  // Global state (core/version/global_version.h), kept current by every
  // PutFiles, DeleteFiles and RemoveDevice for just the names they touch:
  // the winning entry of each name, and whether the local device needs it
  // (it holds another version, or none while the winner is not a tombstone).
  Result<std::optional<GlobalFile>> GetGlobal(FolderKey folder_key, const std::string& name);
  // Needed global entries with names after `after` ("" = from the start),
  // in name order, at most `limit`.
  Result<std::vector<GlobalFile>> ListNeeded(FolderKey folder_key, const std::string& after,
                                             std::int64_t limit);
  // Kept by triggers as global rows change: one row read.
  Result<NeedTotals> CountNeeded(FolderKey folder_key);
  // Goes up every time some name of the folder is written as needed (newly
  // needed, a newer needed version, another holder of it), and never when a
  // need is satisfied: a caller that remembers it can tell whether anything
  // new became pullable without reading the need list. In memory, per Index.
  std::uint64_t NeedGeneration(FolderKey folder_key) const { return need_->generation(folder_key); }
  // The need list's changes for a puller (core/store/need_journal.h):
  // WatchNeed starts recording them for the folder, TakeNeedChanges hands
  // over what was recorded since the last call.
  void WatchNeed(FolderKey folder_key, std::size_t cap = kNeedJournalCap) {
    need_->Watch(folder_key, cap);
  }
  NeedChanges TakeNeedChanges(FolderKey folder_key) { return need_->Take(folder_key); }
  // Needed names after `after` in name order, at most `limit`, without
  // their block lists.
  Result<std::vector<NeededName>> ListNeededNames(FolderKey folder_key, const std::string& after,
                                                  std::int64_t limit);
  // Only the version vector of `name`'s global entry (no block list).
  Result<std::optional<VersionVector>> GetGlobalVersion(FolderKey folder_key,
                                                        const std::string& name);
  // The global entry of `name` if this device needs it.
  Result<std::optional<GlobalFile>> GetNeeded(FolderKey folder_key, const std::string& name);
  // True when some name strictly beneath directory `dir` has a global
  // version that is not a tombstone (some device still has it).
  Result<bool> HasLiveGlobalUnder(FolderKey folder_key, const std::string& dir);
  // Global names that look like conflict copies (".sync-conflict-" in the
  // name; deleted ones included), in name order, from a partial index: the
  // cost follows the number of such names, not the folder's size.
  Result<std::vector<std::string>> ConflictCopyNames(FolderKey folder_key);
  // Every global entry in name order, in pages; `visit` returns false to stop.
  Result<void> ForEachGlobal(FolderKey folder_key, const std::function<bool(GlobalFile&&)>& visit);
  // Devices whose entry for `name` has exactly `version`: who can serve it.
  Result<std::vector<DeviceKey>> DevicesWithVersion(FolderKey folder_key, const std::string& name,
                                                    const VersionVector& version);

 private:
  explicit Index(Database db);
  // `sequence` is stored: the entry's own for the local device, 0 for others.
  Result<std::int64_t> PutOneFile(FolderKey folder_key, DeviceKey device_key, const FileInfo& file,
                                  std::int64_t sequence);
  // A local row's id and the blocks its locations were indexed under (none
  // unless it is a live file). Locations have no foreign key (schema v8):
  // they go through these, one primary-key seek per block.
  struct OldLocations {
    std::int64_t file_row = 0;
    std::vector<BlockRef> blocks;
  };
  Result<std::optional<OldLocations>> ReadOldLocations(FolderKey folder_key, DeviceKey device_key,
                                                       const std::string& name);
  Result<void> DeleteLocations(const OldLocations& old);
  // Replaces the locations `old` had with those of `file`, now row `file_row`.
  Result<void> IndexBlockLocations(std::int64_t file_row, const FileInfo& file,
                                   const std::optional<OldLocations>& old);
  // Recomputes the global entry and need flag of one name (index_global.cc).
  Result<void> UpdateGlobal(FolderKey folder_key, const std::string& name);
  // One global row by name through `query` (?1 folder, ?2 name).
  Result<std::optional<GlobalFile>> ReadOneGlobal(const char* query, FolderKey folder_key,
                                                  const std::string& name);
  Result<std::vector<GlobalFile>> ReadGlobalRows(const char* sql, FolderKey folder_key,
                                                 const std::string& after, std::int64_t limit);

  Database db_;
  std::optional<DeviceKey> local_device_key_;  // cached; key 0 = none yet
  // On the heap: the rollback hook holds its address across moves.
  std::unique_ptr<NeedJournals> need_ = std::make_unique<NeedJournals>();
};

}  // namespace shoal
