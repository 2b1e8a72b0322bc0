// BlockListDelta: a file's block list told as a change to a list the
// receiver already holds (docs/protocol.md "Block-list deltas"). A small
// edit of a large file changes one or two blocks of thousands, so an index
// entry that says "the base's first P blocks, these new ones, the base's
// last S blocks" is a few hundred bytes where the whole list would be tens
// of kilobytes. The base is named by a name (the entry's own, or another
// for a rename) and a version vector: a version names exactly one content,
// so any entry of that name with that version will do.
// Plain values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/block_ref.h"
#include "core/model/version_vector.h"

namespace shoal {

struct BlockListDelta {
  std::string base_name;          // empty: the entry's own name
  VersionVector base;             // the version whose block list is the base
  std::uint64_t keep_prefix = 0;  // blocks kept from the base's start
  std::uint64_t keep_suffix = 0;  // blocks kept from the base's end
  friend bool operator==(const BlockListDelta&, const BlockListDelta&) = default;
};

// A delta is used only for lists at least this long: below it the whole
// list is small anyway, and the sender saves a lookup per entry.
inline constexpr std::size_t kMinDeltaBlocks = 16;

// The common prefix and suffix of `base` and `target`. Returns the delta and
// the target's middle blocks when that is worth sending instead of `target`
// (at least `min_blocks` long, the middle at most half of it), nullopt
// otherwise.
struct BlockListChange {
  BlockListDelta delta;
  std::vector<BlockRef> middle;
};
std::optional<BlockListChange> DiffBlockLists(const VersionVector& base_version,
                                              std::span<const BlockRef> base,
                                              std::span<const BlockRef> target,
                                              std::size_t min_blocks = kMinDeltaBlocks);

// base[0, keep_prefix) + middle + base[size - keep_suffix, size). Fails
// (kInvalidArgument) when the base is shorter than prefix + suffix.
Result<std::vector<BlockRef>> ApplyBlockListDelta(std::span<const BlockRef> base,
                                                  const BlockListDelta& delta,
                                                  std::span<const BlockRef> middle);

}  // namespace shoal
