#include "core/scan/file_hasher.h"

#include "core/hash/block_hash.h"
#include "core/hash/parallel_block_hash.h"
#include "core/model/file_info.h"
#include "core/scan/scanner.h"

namespace shoal {
namespace {

bool SameVersion(const FileStat& a, const FileStat& b) {
  return a.kind == b.kind && a.size == b.size && a.mtime_ns == b.mtime_ns && a.inode == b.inode;
}

}  // namespace

HashedFile HashFile(FileSystem& fs, const std::string& path, std::uint64_t hash_seed, int attempts,
                    ScanProgress* progress, int threads) {
  HashedFile out;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto file = fs.OpenRead(path);
    if (!file) {
      out.error = file.error();
      return out;
    }
    auto before = (*file)->Stat();
    if (!before) {
      out.error = before.error();
      return out;
    }
    ReadableFile& reader = **file;
    auto read = [&reader, progress](std::span<std::uint8_t> buffer) -> Result<std::size_t> {
      if (progress != nullptr && progress->cancel.load(std::memory_order_relaxed)) {
        return Fail(ErrorCode::kCancelled, "scan cancelled");
      }
      auto n = reader.Read(buffer);
      if (n && progress != nullptr) {
        progress->bytes_done.fetch_add(static_cast<std::int64_t>(*n), std::memory_order_relaxed);
      }
      return n;
    };
    auto read_at = [&reader, progress](std::uint64_t offset,
                                       std::span<std::uint8_t> buffer) -> Result<std::size_t> {
      if (progress != nullptr && progress->cancel.load(std::memory_order_relaxed)) {
        return Fail(ErrorCode::kCancelled, "scan cancelled");
      }
      auto n = reader.ReadAt(offset, buffer);
      if (n && progress != nullptr) {
        progress->bytes_done.fetch_add(static_cast<std::int64_t>(*n), std::memory_order_relaxed);
      }
      return n;
    };
    auto blocks = threads > 1 && before->size >= kParallelHashBytes
                      ? HashBlocksInParallel(read_at, before->size, hash_seed, threads)
                      : HashBlocks(read, before->size, hash_seed);
    if (!blocks) {
      // kConflict: the byte count disagreed with the size (changed mid-read).
      if (blocks.error().code != ErrorCode::kConflict) {
        out.error = blocks.error();
        return out;
      }
    } else {
      auto after = (*file)->Stat();
      auto at_path = fs.Lstat(path);
      if (after && at_path && SameVersion(*before, *after) && SameVersion(*before, *at_path) &&
          BlockListSize(*blocks) == before->size) {
        out.outcome = HashedFile::Outcome::kOk;
        out.stat = *before;
        out.blocks = std::move(*blocks);
        return out;
      }
    }
    if (before->size >= kRereadLimitBytes) break;  // being written: read once it settles
  }
  out.outcome = HashedFile::Outcome::kUnstable;
  return out;
}

}  // namespace shoal
