// CheckBlockList: whether a file's block list is one the chunker could
// have produced for a file of its size (docs/protocol.md "Blocks and
// content IDs"). The rules follow from chunker.h: the size class is chosen
// by the file's size; every block but the last is within the class's
// [min, max], the last within [1, max]; the sizes add up to the file's
// size (blocks are contiguous: a block's offset is the sum of the sizes
// before it), so a list holds at most size / min + 1 blocks. An empty file
// has no blocks.
//
// The hashes are not checked (they depend on content we do not have), nor
// are the cut points: a peer can still describe a file cut elsewhere, but
// never one of more blocks than its size allows. Pure; any thread.
#pragma once

#include <cstdint>
#include <span>

#include "core/base/result.h"
#include "core/model/block_ref.h"

namespace shoal {

// The most blocks a valid list of a file of `file_size` bytes may hold.
std::int64_t MaxBlocksForFile(std::int64_t file_size);

// kInvalidArgument naming the first broken rule, or success.
Result<void> CheckBlockList(std::span<const BlockRef> blocks, std::int64_t file_size);

}  // namespace shoal
