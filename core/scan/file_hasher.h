// HashFile: reads one file through the FileSystem and returns its block list,
// guarding against the file changing underneath: the open file is stat'ed
// before and after hashing and the path once more at the end; any difference
// in size, mtime or inode (or a byte count that disagrees with the size)
// means the read saw a mix of versions, and the attempt is repeated: up to
// `attempts` reads for a file under kRereadLimitBytes, one for a larger
// one, which is being written and is read again only once it has settled
// (core/watch/settling.h).
//
// Thread: any thread, concurrently (the scanner's ParallelFor pool calls it
// for different files at once): it keeps no state between calls, reads
// through a FileSystem that allows concurrent calls, and touches a shared
// ScanProgress only through its atomics (adds to bytes_done, reads cancel).
#pragma once

#include <string>
#include <vector>

#include "core/fs/file_system.h"
#include "core/model/block_ref.h"

namespace shoal {

struct HashedFile {
  enum class Outcome { kOk, kUnstable, kFailed };
  Outcome outcome = Outcome::kFailed;
  FileStat stat;  // as of the successful read
  std::vector<BlockRef> blocks;
  Error error{ErrorCode::kIo, {}};  // kFailed only
};

struct ScanProgress;  // core/scan/scanner.h

// `progress` (may be null) counts the bytes read as they are read; once its
// `cancel` is set, the read fails with kCancelled. With `threads` > 1, a file
// of at least kParallelHashBytes is chunked and hashed on that many threads
// (core/hash/parallel_block_hash.h), with the same result.
inline constexpr std::int64_t kParallelHashBytes = std::int64_t{64} << 20;
// A file at least this large that changed while it was read is not read
// again at once: reading a file that is being written costs its whole size
// each time and finds it changed again.
inline constexpr std::int64_t kRereadLimitBytes = std::int64_t{1} << 20;
HashedFile HashFile(FileSystem& fs, const std::string& path, std::uint64_t hash_seed, int attempts,
                    ScanProgress* progress = nullptr, int threads = 1);

}  // namespace shoal
