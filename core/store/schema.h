// Every SQL statement Shoal runs lives in schema.cc: the schema, its
// migrations, and the queries the store prepares. docs/storage.md explains
// each table and index; keep the two in step.
#pragma once

#include "core/base/result.h"
#include "core/store/database.h"

namespace shoal {

// Highest schema version this build knows.
inline constexpr int kSchemaVersion = 9;

// Brings the database up to kSchemaVersion, one migration per transaction,
// using PRAGMA user_version. Refuses a database from a newer Shoal rather
// than guessing at it.
Result<void> MigrateSchema(Database& db);

namespace sql {

extern const char* const kUserVersion;

// devices
extern const char* const kUpsertDevice;
extern const char* const kSelectDevices;
extern const char* const kDeleteDevice;
// folders and shares
extern const char* const kInsertFolder;
extern const char* const kSelectFolders;
extern const char* const kDeleteFolder;
extern const char* const kUpdateRootDevice;
extern const char* const kSelectMaxSequence;
extern const char* const kUpdateMaxSequence;
extern const char* const kInsertShare;
extern const char* const kDeleteShare;
extern const char* const kSelectShares;
extern const char* const kUpsertPeerIndexState;
extern const char* const kSelectPeerIndexState;
// files and blocks
extern const char* const kUpsertBlockList;
extern const char* const kUpsertFile;
extern const char* const kSelectFile;
extern const char* const kSelectFilesSince;
extern const char* const kSelectMetadataRange;
extern const char* const kSelectMetadataAfter;
extern const char* const kDeleteFile;
extern const char* const kUpdateInode;
extern const char* const kCountFiles;
extern const char* const kLiveTotals;
extern const char* const kSelectOldLocations;
extern const char* const kDeleteLocation;
extern const char* const kDeleteLocationsOfFolder;
extern const char* const kDeleteLocationsOfDevice;
extern const char* const kSelectNamesOfDeviceInFolder;
extern const char* const kInsertLocation;
extern const char* const kSelectLocations;
extern const char* const kSelectLocationAt;
// global state and need
extern const char* const kSelectVersionsOfName;
extern const char* const kSetGlobal;
extern const char* const kSelectGlobal;
extern const char* const kSelectGlobalRange;
extern const char* const kSelectConflictCopies;
extern const char* const kSelectNeeded;
extern const char* const kNeedTotals;
extern const char* const kSelectNeededOne;
extern const char* const kSelectGlobalVersion;
extern const char* const kSelectNeededNames;
extern const char* const kSelectLiveGlobalUnder;
extern const char* const kSelectNamesOfDevice;

}  // namespace sql
}  // namespace shoal
