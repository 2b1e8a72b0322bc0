#include "core/model/block_delta.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace shoal {

std::optional<BlockListChange> DiffBlockLists(const VersionVector& base_version,
                                              std::span<const BlockRef> base,
                                              std::span<const BlockRef> target,
                                              std::size_t min_blocks) {
  if (target.size() < std::max<std::size_t>(min_blocks, 1) || base.empty()) return std::nullopt;
  const std::size_t most = std::min(base.size(), target.size());
  std::size_t prefix = 0;
  while (prefix < most && base[prefix] == target[prefix]) ++prefix;
  // The suffix may not reuse blocks the prefix already took from either list.
  std::size_t suffix = 0;
  while (suffix < most - prefix &&
         base[base.size() - 1 - suffix] == target[target.size() - 1 - suffix]) {
    ++suffix;
  }
  const std::size_t middle = target.size() - prefix - suffix;
  if (2 * middle > target.size()) return std::nullopt;
  BlockListChange change;
  change.delta = {{}, base_version, prefix, suffix};
  change.middle.assign(target.begin() + static_cast<std::ptrdiff_t>(prefix),
                       target.end() - static_cast<std::ptrdiff_t>(suffix));
  return change;
}

Result<std::vector<BlockRef>> ApplyBlockListDelta(std::span<const BlockRef> base,
                                                  const BlockListDelta& delta,
                                                  std::span<const BlockRef> middle) {
  if (delta.keep_prefix > base.size() || delta.keep_suffix > base.size() - delta.keep_prefix) {
    return Fail(ErrorCode::kInvalidArgument,
                "a block-list delta keeps " + std::to_string(delta.keep_prefix) + " + " +
                    std::to_string(delta.keep_suffix) + " blocks of a base of " +
                    std::to_string(base.size()));
  }
  std::vector<BlockRef> blocks;
  blocks.reserve(delta.keep_prefix + middle.size() + delta.keep_suffix);
  const auto prefix = static_cast<std::ptrdiff_t>(delta.keep_prefix);
  const auto suffix = static_cast<std::ptrdiff_t>(delta.keep_suffix);
  blocks.insert(blocks.end(), base.begin(), base.begin() + prefix);
  blocks.insert(blocks.end(), middle.begin(), middle.end());
  blocks.insert(blocks.end(), base.end() - suffix, base.end());
  return blocks;
}

}  // namespace shoal
