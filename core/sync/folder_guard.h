// FolderGuard: decides whether a folder may be scanned or pulled right now
// (DESIGN.md "Safety"). An unmounted drive leaves an empty directory at the
// folder's path; a scan of it would read as "everything deleted" and every
// peer would apply that. So a folder root holds a marker, `.shoal/folder-id`
// naming the folder, and the store records the root's device number when
// the marker is written. Before every scan and pull the root is re-opened
// and both are checked; if either is missing or different the folder is
// held (kRootChanged) with a message saying why, and it resumes by itself
// once a check passes again (the drive is mounted, the folder moved back).
//
// The mass-delete brake holds a folder (kMassDelete) when one scan would
// delete more than half of its files, and at least `mass_delete_min_files`
// of them: nothing of that scan is committed until the user confirms with
// Resume (`shoal folder resume`), and then the next scan goes ahead.
//
// Folders from before markers (root_device 0 in the store) get their marker
// on the first check that finds the root holding something besides `.shoal`
// — that directory is the folder the user has been syncing. An empty root
// without a marker is never taken for the folder: it is exactly what an
// unmounted drive looks like. Such a folder is held until its content is
// back or the user confirms the empty root with Resume.
//
// Thread: the engine's (one thread at a time); Check runs FileSystem::
// ReopenRoot, so no scan may be reading the FileSystem meanwhile.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/store/index.h"

namespace shoal {

// The marker: a directory the scanner and watcher ignore, with a file
// holding the folder ID and a newline.
inline constexpr char kMarkerDir[] = ".shoal";
inline constexpr char kMarkerFile[] = ".shoal/folder-id";

// Creates `.shoal/` (if missing) and writes `.shoal/folder-id` durably
// (temp file, fsync, rename, fsync of the directory).
Result<void> WriteFolderMarker(FileSystem& fs, const std::string& folder_id);

enum class FolderHold { kNone, kRootChanged, kMassDelete };

struct FolderGuardConfig {
  FolderKey folder_key;
  std::string folder_id;
  std::uint64_t root_device = 0;  // from the store; 0 = not recorded yet
  // A scan deleting more than half the folder's files, and at least this
  // many, waits for Resume. 0 turns the brake off.
  std::int64_t mass_delete_min_files = 100;
};

class FolderGuard {
 public:
  FolderGuard(FileSystem& fs, Index& index, FolderGuardConfig config)
      : fs_(fs), index_(index), config_(std::move(config)) {}

  // Re-opens the root and checks the marker and the device. Ok clears a
  // kRootChanged hold; a failure sets it and returns the reason. A held
  // mass delete is reported as an error without looking at the disk.
  Result<void> Check();
  // A scan is about to delete `deleting` of the folder's `files` files.
  // Over the brake's limit, and not confirmed, holds the folder and fails.
  // A confirmation is used up by the first scan that asks.
  Result<void> CheckDeletes(std::int64_t deleting, std::int64_t files);
  // The user's confirmation. kMassDelete: the next scan may delete.
  // kRootChanged: the root that is there now is the folder's — its marker
  // is (re)written and its device recorded. Ok and no-op when not held.
  Result<void> Resume();

  FolderHold hold() const { return hold_; }
  // Why the folder is held, for status; empty when it is not.
  const std::string& message() const { return message_; }

 private:
  Result<void> CheckRoot();
  // Writes the marker and records the current root's device in the store.
  Result<void> Adopt(std::uint64_t device);
  Result<void> Hold(FolderHold hold, std::string message);

  FileSystem& fs_;
  Index& index_;
  FolderGuardConfig config_;
  FolderHold hold_ = FolderHold::kNone;
  std::string message_;
  bool deletes_confirmed_ = false;
};

}  // namespace shoal
