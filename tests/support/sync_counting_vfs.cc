#include "tests/support/sync_counting_vfs.h"

#include <cstddef>
#include <new>

namespace shoal::testing {
namespace {

SyncCountingVfs* active = nullptr;  // the one living instance
sqlite3_vfs* wrapped = nullptr;     // the default VFS before it

// An open file: SQLite allocates szOsFile bytes for it; the wrapped
// file's own object follows this header in the same block.
struct CountedFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::string* path;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<CountedFile*>(f)->real; }

int Close(sqlite3_file* f) {
  auto* counted = reinterpret_cast<CountedFile*>(f);
  int rc = counted->real->pMethods != nullptr ? counted->real->pMethods->xClose(counted->real)
                                              : SQLITE_OK;
  delete counted->path;
  counted->path = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), out, n, at);
}
int Write(sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xWrite(Real(f), in, n, at);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (!active->Count(*reinterpret_cast<CountedFile*>(f)->path)) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), at, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), at, p);
}

// Version 3, as the unix VFS's files are; a method the wrapped file lacks
// is never reached, because SQLite checks iVersion first and the wrapper
// takes the wrapped file's version.
const sqlite3_io_methods kMethods[4] = {
    {},
    {1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
    {2, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, nullptr, nullptr},
    {3, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch, Unfetch},
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* base = wrapped;
  auto* counted = reinterpret_cast<CountedFile*>(f);
  counted->base.pMethods = nullptr;
  counted->real = reinterpret_cast<sqlite3_file*>(counted + 1);
  counted->path = nullptr;
  int rc = base->xOpen(base, name, counted->real, flags, out_flags);
  if (counted->real->pMethods == nullptr) return rc;  // nothing to close either
  counted->path = new std::string(name != nullptr ? name : "");
  int version = counted->real->pMethods->iVersion;
  counted->base.pMethods = &kMethods[version < 1 ? 1 : version > 3 ? 3 : version];
  return rc;
}

}  // namespace

SyncCountingVfs::SyncCountingVfs() {
  // Finding a VFS initialises SQLite: first turn its memory statistics off
  // as Database does (a test checks they are off; a no-op once initialised).
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  base_ = sqlite3_vfs_find(nullptr);
  // Every other method is the wrapped VFS's own, called with this one and
  // its pAppData (the unix VFS reads neither outside xOpen).
  vfs_ = *base_;
  vfs_.szOsFile = static_cast<int>(sizeof(CountedFile)) + base_->szOsFile;
  vfs_.zName = "shoal-sync-counting";
  vfs_.xOpen = Open;
  vfs_.pNext = nullptr;
  active = this;
  wrapped = base_;
  sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
}

SyncCountingVfs::~SyncCountingVfs() {
  sqlite3_vfs_unregister(&vfs_);
  sqlite3_vfs_register(base_, /*makeDflt=*/1);
  active = nullptr;
  wrapped = nullptr;
}

int SyncCountingVfs::Syncs(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = syncs_.find(path);
  return it == syncs_.end() ? 0 : it->second;
}

int SyncCountingVfs::SyncsOnThisThread(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = syncs_by_thread_.find({path, std::this_thread::get_id()});
  return it == syncs_by_thread_.end() ? 0 : it->second;
}

void SyncCountingVfs::FailSyncs(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  failing_ = path;
}

bool SyncCountingVfs::Count(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++syncs_[path];
  ++syncs_by_thread_[{path, std::this_thread::get_id()}];
  return failing_.empty() || path != failing_;
}

}  // namespace shoal::testing
