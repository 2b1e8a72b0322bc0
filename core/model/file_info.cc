#include "core/model/file_info.h"

namespace shoal {

std::int64_t BlockListSize(const std::vector<BlockRef>& blocks) {
  std::int64_t total = 0;
  for (const BlockRef& b : blocks) total += b.size;
  return total;
}

}  // namespace shoal
