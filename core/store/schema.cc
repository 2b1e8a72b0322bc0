#include "core/store/schema.h"

#include <string>

#include "core/base/log.h"
#include "core/store/transaction.h"

namespace shoal {
namespace {

// kMigrations[i] takes a database from user_version i to i + 1. Append only:
// a released migration is never edited.
constexpr const char* kMigrations[] = {
    // v0 -> v1: the initial schema.
    R"sql(
CREATE TABLE devices (
  id         INTEGER PRIMARY KEY,
  device_id  BLOB    NOT NULL UNIQUE,
  name       TEXT    NOT NULL DEFAULT '',
  addresses  TEXT    NOT NULL DEFAULT '',
  is_local   INTEGER NOT NULL DEFAULT 0,
  paused     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE folders (
  id           INTEGER PRIMARY KEY,
  folder_id    TEXT    NOT NULL UNIQUE,
  path         TEXT    NOT NULL,
  label        TEXT    NOT NULL DEFAULT '',
  hash_seed    INTEGER NOT NULL,
  index_id     INTEGER NOT NULL,
  max_sequence INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE folder_shares (
  folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  device INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  PRIMARY KEY (folder, device)
) WITHOUT ROWID;
CREATE INDEX folder_shares_by_device ON folder_shares(device);
CREATE TABLE peer_index_state (
  folder       INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  device       INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  index_id     INTEGER NOT NULL,
  max_sequence INTEGER NOT NULL,
  PRIMARY KEY (folder, device)
) WITHOUT ROWID;
CREATE INDEX peer_index_state_by_device ON peer_index_state(device);
CREATE TABLE block_lists (
  id        INTEGER PRIMARY KEY,
  list_hash BLOB    NOT NULL UNIQUE,
  blocks    BLOB    NOT NULL,
  refs      INTEGER NOT NULL
);
CREATE TABLE files (
  id             INTEGER PRIMARY KEY,
  folder         INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  device         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  name           TEXT    NOT NULL,
  type           INTEGER NOT NULL,
  size           INTEGER NOT NULL,
  mtime_ns       INTEGER NOT NULL,
  permissions    INTEGER NOT NULL,
  deleted        INTEGER NOT NULL,
  version        BLOB    NOT NULL,
  sequence       INTEGER NOT NULL,
  block_list     INTEGER REFERENCES block_lists(id),
  symlink_target TEXT,
  inode          INTEGER NOT NULL DEFAULT 0,
  UNIQUE (folder, device, name)
);
CREATE UNIQUE INDEX files_by_sequence ON files(folder, device, sequence);
CREATE INDEX files_by_device ON files(device);
CREATE TABLE block_locations (
  hash   BLOB    NOT NULL,
  file   INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  offset INTEGER NOT NULL,
  size   INTEGER NOT NULL,
  PRIMARY KEY (hash, file, offset)
) WITHOUT ROWID;
CREATE INDEX block_locations_by_file ON block_locations(file);

-- Block lists are shared by every file row with the same blocks; these
-- triggers keep block_lists.refs equal to the number of rows pointing at a
-- list and drop a list when the last one goes. Increment before decrement,
-- so re-pointing a row at the list it already had never frees it.
CREATE TRIGGER files_block_list_insert AFTER INSERT ON files
WHEN new.block_list IS NOT NULL BEGIN
  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list;
END;
CREATE TRIGGER files_block_list_update AFTER UPDATE OF block_list ON files BEGIN
  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list;
  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list;
  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0;
END;
CREATE TRIGGER files_block_list_delete AFTER DELETE ON files
WHEN old.block_list IS NOT NULL BEGIN
  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list;
  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0;
END;
)sql",
    // v1 -> v2: the global version of every name and the local need list,
    // kept up to date by Index on every change (docs/storage.md "global").
    R"sql(
CREATE INDEX files_by_name ON files(folder, name, device);
-- Only removing a device used it; a full scan then is cheaper than 10 bytes
-- per file kept forever (docs/storage.md "Budget").
DROP INDEX files_by_device;
CREATE TABLE global (
  folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  name   TEXT    NOT NULL,
  file   INTEGER NOT NULL,
  need   INTEGER NOT NULL,
  PRIMARY KEY (folder, name)
) WITHOUT ROWID;
CREATE INDEX global_needed ON global(folder, name) WHERE need = 1;
)sql",
    // v2 -> v3: the device number (st_dev) of each folder's root, recorded
    // when its marker is written, so that a scan or pull can tell the drive
    // it belongs on from the empty directory under an unmounted one. In the
    // store, not in the marker: a marker on the wrong disk cannot vouch for
    // the disk. 0 = not recorded yet (a folder from before markers).
    R"sql(
ALTER TABLE folders ADD COLUMN root_device INTEGER NOT NULL DEFAULT 0;
)sql",
    // v3 -> v4: folder totals kept by triggers in the same transaction as
    // the rows they count, so status and the mass-delete brake read a row
    // instead of aggregating the folder (docs/storage.md "Totals"). The
    // global row carries the bytes a needed name would fetch (0 for a
    // deletion or a directory) because a file row is updated in place and
    // its old size is gone by the time the global row changes.
    R"sql(
CREATE TABLE file_totals (
  folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  device INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  type   INTEGER NOT NULL,
  count  INTEGER NOT NULL,
  bytes  INTEGER NOT NULL,
  PRIMARY KEY (folder, device, type)
) WITHOUT ROWID;
INSERT INTO file_totals(folder, device, type, count, bytes)
  SELECT folder, device, type, count(*), coalesce(sum(size), 0) FROM files
  WHERE deleted = 0 GROUP BY folder, device, type;
CREATE TRIGGER files_totals_insert AFTER INSERT ON files WHEN new.deleted = 0 BEGIN
  INSERT INTO file_totals(folder, device, type, count, bytes)
    VALUES(new.folder, new.device, new.type, 1, new.size)
    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER files_totals_delete AFTER DELETE ON files WHEN old.deleted = 0 BEGIN
  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size
    WHERE folder = old.folder AND device = old.device AND type = old.type;
END;
CREATE TRIGGER files_totals_update AFTER UPDATE OF deleted, size, type ON files BEGIN
  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size
    WHERE old.deleted = 0 AND folder = old.folder AND device = old.device AND type = old.type;
  INSERT INTO file_totals(folder, device, type, count, bytes)
    SELECT new.folder, new.device, new.type, 1, new.size WHERE new.deleted = 0
    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;

ALTER TABLE global ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE global SET size = coalesce((SELECT f.size FROM files f
  WHERE f.id = global.file AND f.deleted = 0 AND f.type = 0), 0);
CREATE TABLE need_totals (
  folder INTEGER PRIMARY KEY REFERENCES folders(id) ON DELETE CASCADE,
  count  INTEGER NOT NULL,
  bytes  INTEGER NOT NULL
);
INSERT INTO need_totals(folder, count, bytes)
  SELECT folder, count(*), sum(size) FROM global WHERE need = 1 GROUP BY folder;
CREATE TRIGGER global_need_insert AFTER INSERT ON global WHEN new.need = 1 BEGIN
  INSERT INTO need_totals(folder, count, bytes) VALUES(new.folder, 1, new.size)
    ON CONFLICT(folder) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER global_need_delete AFTER DELETE ON global WHEN old.need = 1 BEGIN
  UPDATE need_totals SET count = count - 1, bytes = bytes - old.size WHERE folder = old.folder;
END;
CREATE TRIGGER global_need_update AFTER UPDATE OF need, size ON global BEGIN
  UPDATE need_totals SET count = count - 1, bytes = bytes - old.size
    WHERE old.need = 1 AND folder = old.folder;
  INSERT INTO need_totals(folder, count, bytes) SELECT new.folder, 1, new.size WHERE new.need = 1
    ON CONFLICT(folder) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;
)sql",
    // v4 -> v5: conflict copies listed without walking the folder (the web
    // interface asks every few seconds): a partial index holding only the
    // names that carry a conflict copy's marker (core/version/conflict.h).
    // kSelectConflictCopies repeats its WHERE term word for word, which is
    // what lets SQLite use it.
    R"sql(
CREATE INDEX IF NOT EXISTS global_conflict_copies ON global(folder, name)
  WHERE name GLOB '*.sync-conflict-*';
)sql",
    // v5 -> v6: files_by_name (folder, name, device) held every name a
    // second time beside the unique (folder, device, name) index, about 29
    // bytes per file and device. Its one query, every device's row of one
    // name, now seeks the unique index once per device instead
    // (kSelectVersionsOfName; docs/storage.md "Schema v6").
    R"sql(
DROP INDEX IF EXISTS files_by_name;
)sql",
    // v6 -> v7: a block list of one block (every file smaller than the
    // smallest block, most files of most trees) is kept in its files row.
    // Shared through block_lists it cost a row of its own, a second copy of
    // its 16-byte list hash in the unique index, and two B-tree writes per
    // file put (docs/storage.md "Schema v7"). An encoded block is a size
    // varint (at most 4 bytes for 4 MiB) and a 16-byte hash, so a list of
    // at most 20 bytes holds exactly one block. Re-pointing the rows fires
    // files_block_list_update, which frees each list with its last row.
    //
    // files.block_list references block_lists(id), so freeing a list made
    // SQLite look for rows still pointing at it, and with no index on the
    // column that was a scan of every files row: 17 ms per freed list at
    // 100,000 files (each edit or deletion of a file once no device has its
    // old content). The partial index holds only the rows that still share
    // a list; it is created first so that the re-pointing below uses it.
    R"sql(
CREATE INDEX files_by_block_list ON files(block_list) WHERE block_list IS NOT NULL;
ALTER TABLE files ADD COLUMN blocks BLOB;
UPDATE files SET blocks = (SELECT b.blocks FROM block_lists b WHERE b.id = files.block_list),
  block_list = NULL
  WHERE block_list IN (SELECT id FROM block_lists WHERE length(blocks) <= 20);
)sql",
    // v7 -> v8: two B-trees fewer per file (docs/storage.md "Schema v8").
    // block_locations loses its foreign key and with it the by-file index
    // the cascade needed: Index deletes a file's locations through the
    // file's old block list, a seek per block on the primary key. Rows of
    // other devices keep sequence 0: only the local device's sequences are
    // ever read back (to send the index), so only they are indexed.
    R"sql(
CREATE TABLE block_locations_v8 (
  hash   BLOB    NOT NULL,
  file   INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  size   INTEGER NOT NULL,
  PRIMARY KEY (hash, file, offset)
) WITHOUT ROWID;
INSERT INTO block_locations_v8 SELECT hash, file, offset, size FROM block_locations;
DROP TABLE block_locations;
ALTER TABLE block_locations_v8 RENAME TO block_locations;
DROP INDEX files_by_sequence;
UPDATE files SET sequence = 0 WHERE device NOT IN (SELECT id FROM devices WHERE is_local);
CREATE UNIQUE INDEX files_by_sequence ON files(folder, device, sequence) WHERE sequence > 0;
)sql",
    // v8 -> v9: the global table folds into files (docs/storage.md "Schema
    // v9"). `global` held every name a third time beside the two devices'
    // rows; now the row chosen as a name's global version carries
    // global = 1, and need = 1 when the local device needs it. The unique
    // index becomes (folder, name, device), so that every device's row of a
    // name, and the global rows in name order, are one range of it; the
    // need list is a partial index of the rows with need = 1. files is
    // rebuilt for the new unique order, with the same ids (block_locations
    // refers to them); its triggers go with the old table and are made
    // again, and the need totals follow the rows. With foreign keys on, the
    // old table's drop deletes its rows first, but fires no trigger: the
    // block lists keep their counts.
    R"sql(
CREATE TABLE files_v9 (
  id             INTEGER PRIMARY KEY,
  folder         INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  device         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  name           TEXT    NOT NULL,
  type           INTEGER NOT NULL,
  size           INTEGER NOT NULL,
  mtime_ns       INTEGER NOT NULL,
  permissions    INTEGER NOT NULL,
  deleted        INTEGER NOT NULL,
  version        BLOB    NOT NULL,
  sequence       INTEGER NOT NULL,
  block_list     INTEGER REFERENCES block_lists(id),
  symlink_target TEXT,
  inode          INTEGER NOT NULL DEFAULT 0,
  blocks         BLOB,
  global         INTEGER NOT NULL DEFAULT 0,
  need           INTEGER NOT NULL DEFAULT 0,
  UNIQUE (folder, name, device)
);
INSERT INTO files_v9(id, folder, device, name, type, size, mtime_ns, permissions, deleted, version,
                     sequence, block_list, symlink_target, inode, blocks, global, need)
  SELECT f.id, f.folder, f.device, f.name, f.type, f.size, f.mtime_ns, f.permissions, f.deleted,
         f.version, f.sequence, f.block_list, f.symlink_target, f.inode, f.blocks,
         g.file IS NOT NULL, coalesce(g.need, 0)
  FROM files f LEFT JOIN global g ON g.folder = f.folder AND g.name = f.name AND g.file = f.id;
DROP TABLE global;
DROP TABLE files;
ALTER TABLE files_v9 RENAME TO files;
CREATE UNIQUE INDEX files_by_sequence ON files(folder, device, sequence) WHERE sequence > 0;
CREATE INDEX files_by_block_list ON files(block_list) WHERE block_list IS NOT NULL;
CREATE INDEX files_needed ON files(folder, name) WHERE need = 1;
CREATE INDEX files_conflict_copies ON files(folder, name)
  WHERE global = 1 AND name GLOB '*.sync-conflict-*';
CREATE TRIGGER files_block_list_insert AFTER INSERT ON files
WHEN new.block_list IS NOT NULL BEGIN
  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list;
END;
CREATE TRIGGER files_block_list_update AFTER UPDATE OF block_list ON files BEGIN
  UPDATE block_lists SET refs = refs + 1 WHERE id = new.block_list;
  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list;
  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0;
END;
CREATE TRIGGER files_block_list_delete AFTER DELETE ON files
WHEN old.block_list IS NOT NULL BEGIN
  UPDATE block_lists SET refs = refs - 1 WHERE id = old.block_list;
  DELETE FROM block_lists WHERE id = old.block_list AND refs = 0;
END;
CREATE TRIGGER files_totals_insert AFTER INSERT ON files WHEN new.deleted = 0 BEGIN
  INSERT INTO file_totals(folder, device, type, count, bytes)
    VALUES(new.folder, new.device, new.type, 1, new.size)
    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER files_totals_delete AFTER DELETE ON files WHEN old.deleted = 0 BEGIN
  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size
    WHERE folder = old.folder AND device = old.device AND type = old.type;
END;
CREATE TRIGGER files_totals_update AFTER UPDATE OF deleted, size, type ON files BEGIN
  UPDATE file_totals SET count = count - 1, bytes = bytes - old.size
    WHERE old.deleted = 0 AND folder = old.folder AND device = old.device AND type = old.type;
  INSERT INTO file_totals(folder, device, type, count, bytes)
    SELECT new.folder, new.device, new.type, 1, new.size WHERE new.deleted = 0
    ON CONFLICT(folder, device, type) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
END;
-- A needed row counts the bytes a pull of it would fetch: its size when it
-- is a live regular file (type 0), else nothing.
CREATE TRIGGER files_need_insert AFTER INSERT ON files WHEN new.need = 1 BEGIN
  INSERT INTO need_totals(folder, count, bytes)
    VALUES(new.folder, 1, iif(new.deleted = 0 AND new.type = 0, new.size, 0))
    ON CONFLICT(folder) DO UPDATE SET count = count + 1,
      bytes = bytes + iif(new.deleted = 0 AND new.type = 0, new.size, 0);
END;
CREATE TRIGGER files_need_delete AFTER DELETE ON files WHEN old.need = 1 BEGIN
  UPDATE need_totals SET count = count - 1,
    bytes = bytes - iif(old.deleted = 0 AND old.type = 0, old.size, 0)
    WHERE folder = old.folder;
END;
CREATE TRIGGER files_need_update AFTER UPDATE OF need, deleted, size, type ON files
WHEN old.need = 1 OR new.need = 1 BEGIN
  UPDATE need_totals SET count = count - 1,
    bytes = bytes - iif(old.deleted = 0 AND old.type = 0, old.size, 0)
    WHERE old.need = 1 AND folder = old.folder;
  INSERT INTO need_totals(folder, count, bytes)
    SELECT new.folder, 1, iif(new.deleted = 0 AND new.type = 0, new.size, 0) WHERE new.need = 1
    ON CONFLICT(folder) DO UPDATE SET count = count + 1,
      bytes = bytes + iif(new.deleted = 0 AND new.type = 0, new.size, 0);
END;
DELETE FROM need_totals;
INSERT INTO need_totals(folder, count, bytes)
  SELECT folder, count(*), sum(iif(deleted = 0 AND type = 0, size, 0)) FROM files
  WHERE need = 1 GROUP BY folder;
)sql",
};

// A migration that rebuilds a table (v9 rebuilds files) leaves the old
// table's pages free inside the file: a store of 100,000 files went from 32
// to 56 MB. SQLite reuses free pages but never returns them, so an upgraded
// store is rewritten once, compactly (0.4 s for that store).
// Not fatal when it cannot be (it needs free space for a second copy): the
// store works as it is and only keeps its size.
void CompactAfterUpgrade(Database& db, int from) {
  if (auto ok = db.Exec("VACUUM"); !ok) {
    SHOAL_LOG(kWarning) << "index upgraded from schema v" << from
                        << " but not compacted: " << ok.error().message;
  }
}

}  // namespace

Result<void> MigrateSchema(Database& db) {
  constexpr int kLatest = static_cast<int>(std::size(kMigrations));
  static_assert(kLatest == kSchemaVersion, "kSchemaVersion must match the migration list");
  int first = -1;  // the version the store had when opened
  for (;;) {
    auto tx = Transaction::Begin(db);
    if (!tx) return tx.error().Wrap("migrate");
    auto stmt = db.Prepare(sql::kUserVersion);
    if (!stmt) return stmt.error().Wrap("migrate");
    auto row = (*stmt)->Step();
    if (!row) return row.error().Wrap("migrate: read user_version");
    if (!*row) return Fail(ErrorCode::kCorrupt, "migrate: user_version returned no row");
    int version = static_cast<int>((*stmt)->ColumnInt(0));
    (*stmt)->Reset();  // no statement may be active when the migration runs
    if (first < 0) first = version;
    if (version == kLatest) {
      if (auto ok = tx->Commit(); !ok) return ok.error().Wrap("migrate");
      if (first > 0 && first < kLatest) CompactAfterUpgrade(db, first);
      return {};
    }
    if (version < 0 || version > kLatest) {
      return Fail(ErrorCode::kCorrupt, "migrate: database has schema v" + std::to_string(version) +
                                           ", this Shoal knows up to v" + std::to_string(kLatest) +
                                           " (upgrade Shoal)");
    }
    std::string step = kMigrations[version];
    step += "PRAGMA user_version = " + std::to_string(version + 1) + ";";
    if (auto ok = db.Exec(step.c_str()); !ok) {
      return ok.error().Wrap("migrate to v" + std::to_string(version + 1));
    }
    if (auto ok = tx->Commit(); !ok) return ok.error().Wrap("migrate");
  }
}

namespace sql {

const char* const kUserVersion = "PRAGMA user_version";

const char* const kUpsertDevice =
    "INSERT INTO devices(device_id, name, addresses, is_local, paused) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(device_id) DO UPDATE SET name = excluded.name, addresses = excluded.addresses, "
    "is_local = excluded.is_local, paused = excluded.paused RETURNING id";
const char* const kSelectDevices =
    "SELECT id, device_id, name, addresses, is_local, paused FROM devices ORDER BY id";
const char* const kDeleteDevice = "DELETE FROM devices WHERE id = ?1";

const char* const kInsertFolder =
    "INSERT INTO folders(folder_id, path, label, hash_seed, index_id, max_sequence, root_device) "
    "VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6) RETURNING id";
const char* const kSelectFolders =
    "SELECT id, folder_id, path, label, hash_seed, index_id, max_sequence, root_device "
    "FROM folders ORDER BY id";
const char* const kDeleteFolder = "DELETE FROM folders WHERE id = ?1";
const char* const kUpdateRootDevice = "UPDATE folders SET root_device = ?2 WHERE id = ?1";
const char* const kSelectMaxSequence = "SELECT max_sequence FROM folders WHERE id = ?1";
const char* const kUpdateMaxSequence = "UPDATE folders SET max_sequence = ?2 WHERE id = ?1";
const char* const kInsertShare =
    "INSERT OR IGNORE INTO folder_shares(folder, device) VALUES(?1, ?2)";
const char* const kDeleteShare = "DELETE FROM folder_shares WHERE folder = ?1 AND device = ?2";
const char* const kSelectShares =
    "SELECT device FROM folder_shares WHERE folder = ?1 ORDER BY device";
const char* const kUpsertPeerIndexState =
    "INSERT INTO peer_index_state(folder, device, index_id, max_sequence) VALUES(?1, ?2, ?3, ?4) "
    "ON CONFLICT(folder, device) DO UPDATE SET index_id = excluded.index_id, "
    "max_sequence = excluded.max_sequence";
const char* const kSelectPeerIndexState =
    "SELECT index_id, max_sequence FROM peer_index_state WHERE folder = ?1 AND device = ?2";

// `refs = refs` makes the conflict branch return the existing row's id
// (DO NOTHING would return no row). The triggers on files own the count.
// Only a list with the same blocks is shared: when the hash matches a list
// with other blocks, no row comes back and the caller keeps its own.
const char* const kUpsertBlockList =
    "INSERT INTO block_lists(list_hash, blocks, refs) VALUES(?1, ?2, 0) "
    "ON CONFLICT(list_hash) DO UPDATE SET refs = refs WHERE blocks = excluded.blocks "
    "RETURNING id";
const char* const kUpsertFile =
    "INSERT INTO files(folder, device, name, type, size, mtime_ns, permissions, deleted, version, "
    "sequence, block_list, symlink_target, inode, blocks) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT(folder, device, name) DO UPDATE SET type = excluded.type, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, permissions = excluded.permissions, "
    "deleted = excluded.deleted, version = excluded.version, sequence = excluded.sequence, "
    "block_list = excluded.block_list, symlink_target = excluded.symlink_target, "
    "inode = excluded.inode, blocks = excluded.blocks RETURNING id";

#define SHOAL_FILE_FIELDS                                                                 \
  "f.name, f.type, f.size, f.mtime_ns, f.permissions, f.deleted, f.version, f.sequence, " \
  "coalesce(f.blocks, b.blocks), f.symlink_target, f.inode "
#define SHOAL_FILE_COLUMN_SOURCE "FROM files f LEFT JOIN block_lists b ON b.id = f.block_list "
#define SHOAL_FILE_COLUMNS SHOAL_FILE_FIELDS SHOAL_FILE_COLUMN_SOURCE
// A name's global row is the files row marked global (schema v9).
#define SHOAL_GLOBAL_COLUMNS SHOAL_FILE_FIELDS ", f.device " SHOAL_FILE_COLUMN_SOURCE
const char* const kSelectFile =
    "SELECT " SHOAL_FILE_COLUMNS "WHERE f.folder = ?1 AND f.device = ?2 AND f.name = ?3";
const char* const kSelectFilesSince =
    "SELECT " SHOAL_FILE_COLUMNS
    "WHERE f.folder = ?1 AND f.device = ?2 AND f.sequence > ?3 AND f.sequence > 0 "
    "ORDER BY f.sequence LIMIT ?4";
// Same columns with the block list left out (NULL): change detection only
// compares metadata, and decoding 100,000 block lists would dominate a rescan.
const char* const kSelectMetadataRange =
    "SELECT f.name, f.type, f.size, f.mtime_ns, f.permissions, f.deleted, f.version, f.sequence, "
    "NULL, f.symlink_target, f.inode FROM files f "
    "WHERE f.folder = ?1 AND f.device = ?2 AND f.name >= ?3 AND f.name < ?4 ORDER BY f.name";

const char* const kSelectMetadataAfter =
    "SELECT f.name, f.type, f.size, f.mtime_ns, f.permissions, f.deleted, f.version, f.sequence, "
    "NULL, f.symlink_target, f.inode FROM files f "
    "WHERE f.folder = ?1 AND f.device = ?2 AND f.name > ?3 ORDER BY f.name LIMIT ?4";

// Every device's row of one name: one range of the unique index.
const char* const kSelectVersionsOfName =
    "SELECT id, device, version, deleted, mtime_ns, type, block_list, symlink_target, size, "
    "blocks, global, need FROM files WHERE folder = ?1 AND name = ?2 ORDER BY device";
const char* const kSetGlobal = "UPDATE files SET global = ?2, need = ?3 WHERE id = ?1";
const char* const kSelectGlobal =
    "SELECT " SHOAL_GLOBAL_COLUMNS "WHERE f.folder = ?1 AND f.name = ?2 AND f.global = 1";
const char* const kSelectGlobalRange =
    "SELECT " SHOAL_GLOBAL_COLUMNS
    "WHERE f.folder = ?1 AND f.name > ?2 AND f.global = 1 ORDER BY f.name LIMIT ?3";
// The WHERE terms repeat files_conflict_copies' word for word, which is
// what lets SQLite use the partial index.
const char* const kSelectConflictCopies =
    "SELECT name FROM files WHERE folder = ?1 AND global = 1 AND name GLOB '*.sync-conflict-*' "
    "ORDER BY name";
const char* const kSelectNeeded =
    "SELECT " SHOAL_GLOBAL_COLUMNS
    "WHERE f.folder = ?1 AND f.need = 1 AND f.name > ?2 ORDER BY f.name LIMIT ?3";
const char* const kSelectGlobalVersion =
    "SELECT version FROM files WHERE folder = ?1 AND name = ?2 AND global = 1";
const char* const kSelectNeededOne =
    "SELECT " SHOAL_GLOBAL_COLUMNS "WHERE f.folder = ?1 AND f.name = ?2 AND f.need = 1";
const char* const kSelectNeededNames =
    "SELECT name, type, deleted, iif(deleted = 0 AND type = 0, size, 0), version FROM files "
    "WHERE folder = ?1 AND need = 1 AND name > ?2 ORDER BY name LIMIT ?3";
const char* const kSelectLiveGlobalUnder =
    "SELECT 1 FROM files WHERE folder = ?1 AND name > ?2 AND name < ?3 AND global = 1 "
    "AND deleted = 0 LIMIT 1";
const char* const kNeedTotals = "SELECT count, bytes FROM need_totals WHERE folder = ?1";
const char* const kSelectNamesOfDevice = "SELECT folder, name FROM files WHERE device = ?1";
#undef SHOAL_GLOBAL_COLUMNS
#undef SHOAL_FILE_COLUMNS
#undef SHOAL_FILE_COLUMN_SOURCE
#undef SHOAL_FILE_FIELDS

const char* const kDeleteFile = "DELETE FROM files WHERE folder = ?1 AND device = ?2 AND name = ?3";
const char* const kUpdateInode =
    "UPDATE files SET inode = ?4 WHERE folder = ?1 AND device = ?2 AND name = ?3";
const char* const kCountFiles = "SELECT count(*) FROM files WHERE folder = ?1 AND device = ?2";
const char* const kLiveTotals =
    "SELECT type, count, bytes FROM file_totals WHERE folder = ?1 AND device = ?2";
const char* const kSelectOldLocations =
    "SELECT f.id, f.deleted, f.type, coalesce(f.blocks, b.blocks) FROM files f "
    "LEFT JOIN block_lists b ON b.id = f.block_list "
    "WHERE f.folder = ?1 AND f.device = ?2 AND f.name = ?3";
const char* const kDeleteLocation =
    "DELETE FROM block_locations WHERE hash = ?1 AND file = ?2 AND offset = ?3";
// One pass over block_locations each: removing a folder or a device is rare.
const char* const kDeleteLocationsOfFolder =
    "DELETE FROM block_locations WHERE file IN (SELECT id FROM files WHERE folder = ?1)";
const char* const kDeleteLocationsOfDevice =
    "DELETE FROM block_locations WHERE file IN (SELECT id FROM files WHERE device = ?1)";
const char* const kSelectNamesOfDeviceInFolder =
    "SELECT name FROM files WHERE folder = ?1 AND device = ?2";
const char* const kInsertLocation =
    "INSERT OR IGNORE INTO block_locations(hash, file, offset, size) VALUES(?1, ?2, ?3, ?4)";
const char* const kSelectLocations =
    "SELECT f.folder, f.name, l.offset, l.size FROM block_locations l "
    "JOIN files f ON f.id = l.file WHERE l.hash = ?1 AND f.folder = ?2 ORDER BY l.file, l.offset "
    "LIMIT ?3";
const char* const kSelectLocationAt =
    "SELECT l.size FROM block_locations l WHERE l.hash = ?1 AND l.offset = ?5 AND l.file = "
    "(SELECT id FROM files WHERE folder = ?2 AND device = ?3 AND name = ?4)";

}  // namespace sql
}  // namespace shoal
