#include "core/chunk/block_list_rules.h"

#include <string>

#include "core/chunk/chunker.h"

namespace shoal {

std::int64_t MaxBlocksForFile(std::int64_t file_size) {
  if (file_size <= 0) return 0;
  return file_size / ChunkSizesForFile(file_size).min + 1;
}

Result<void> CheckBlockList(std::span<const BlockRef> blocks, std::int64_t file_size) {
  if (file_size < 0) {
    return Fail(ErrorCode::kInvalidArgument, "negative size " + std::to_string(file_size));
  }
  const auto count = static_cast<std::int64_t>(blocks.size());
  // Checked first and alone: a list of a million tiny blocks is refused
  // without walking it.
  if (count > MaxBlocksForFile(file_size)) {
    return Fail(ErrorCode::kInvalidArgument,
                std::to_string(count) + " blocks for " + std::to_string(file_size) +
                    " bytes, more than the " + std::to_string(MaxBlocksForFile(file_size)) +
                    " its size allows");
  }
  const ChunkSizes sizes = ChunkSizesForFile(file_size);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::uint32_t size = blocks[i].size;
    const bool last = i + 1 == blocks.size();
    if (size == 0 || size > sizes.max || (!last && size < sizes.min)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "block " + std::to_string(i) + " of " + std::to_string(count) + " is " +
                      std::to_string(size) + " bytes, outside the " + std::to_string(sizes.min) +
                      ".." + std::to_string(sizes.max) + " of a " + std::to_string(file_size) +
                      "-byte file" + (last ? " (the last block may be shorter, not empty)" : ""));
    }
    total += size;
  }
  if (total != file_size) {
    return Fail(ErrorCode::kInvalidArgument, "blocks add up to " + std::to_string(total) +
                                                 " bytes, not its size " +
                                                 std::to_string(file_size));
  }
  return {};
}

}  // namespace shoal
