// Internal to core/pull: the state of one file being assembled.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/fs/file_system.h"
#include "core/pull/puller.h"

namespace shoal {

struct Puller::Job {
  GlobalFile want;   // the global version being pulled
  std::string temp;  // ".shoal.tmp.<name>"
  std::unique_ptr<WritableFile> file;
  std::uint64_t inode = 0;            // of the temp file when opened
  std::vector<std::int64_t> offsets;  // of each block in the file
  std::vector<bool> have;             // written and verified
  std::vector<bool> requested;        // in flight at the BlockSource
  std::size_t missing = 0;            // blocks not yet had
  std::size_t outstanding = 0;        // requests in flight
  // Local fill (blocks found elsewhere in the folder) goes a budget of
  // bytes per pass; while it lasts no block is asked of a peer.
  bool filling = false;
  std::size_t fill_next = 0;   // the block the fill goes on from
  std::int64_t resumable = 0;  // the temp file's size when opened: blocks
                               // within it are checked there first
  // Bytes still to be written: what the job holds of the disk's free space
  // beyond its temp file, for CheckSpace of the jobs that start after it.
  std::int64_t unwritten = 0;
  std::optional<Error> error;  // set when the job failed
  // Its temp file was moved or removed under it (the user, a renamed
  // directory): a race, not a failure of the name, so retried at once.
  bool raced = false;
  bool stale = false;             // its version is no longer the one needed
  bool recheck = false;           // its name's global row was written since the last check
  bool synced = false;            // its temp file has its size, metadata and an fsync
  bool syncing = false;           // that is under way on the sync offload: the job stays
  std::int64_t synced_at_ns = 0;  // when the offloaded sync came back

  bool Ready() const { return missing == 0 && outstanding == 0 && !error && !stale; }
};

}  // namespace shoal
