#include "core/model/file_info.h"

namespace shoal {

std::int64_t BlockListSize(const std::vector<BlockRef>& blocks) {
  std::int64_t total = 0;
  for (const BlockRef& b : blocks) total += b.size;
  return total;
}

std::uint32_t LocalMode(FileType type, std::uint32_t permissions, std::uint32_t umask) {
  const std::uint32_t owner = type == FileType::kDirectory ? 0700 : 0600;
  return ((permissions & kSyncedPermissionBits) & ~(umask & 077)) | owner;
}

std::size_t IndexEntrySizeBound(const FileInfo& f) {
  constexpr std::size_t kVarint = 10;
  constexpr std::size_t kStringHeader = 5;  // a varint length up to 4096 takes 2; be generous
  constexpr std::size_t kFixed = 1 + 1 + kVarint + 8 + kVarint + kVarint + kVarint + kVarint;
  const std::size_t delta =
      f.blocks_delta ? kStringHeader + f.blocks_delta->base_name.size() + 2 * kVarint + kVarint +
                           f.blocks_delta->base.entries().size() * (8 + kVarint)
                     : 0;
  return kStringHeader + f.name.size() + kFixed + f.version.entries().size() * (8 + kVarint) +
         delta + f.blocks.size() * (4 + 16) + kStringHeader + f.symlink_target.size();
}

}  // namespace shoal
