// HashBlocksInParallel: the block list of one large file, chunked and hashed
// on several threads, identical to what HashBlocks gives for the same bytes.
//
// Content-defined cut points depend on where the previous block began, so a
// file cannot simply be cut into pieces. Instead the file is split into
// segments at multiples of the size class's largest block, and each thread
// chunks a segment as if a block began at its start, until a block ends at
// or past the segment's end. Segment 0 starts where the file does, so its
// blocks are the file's. Then, in file order, the true chain of blocks is
// followed into each next segment: once a true block ends where one of that
// segment's blocks begins, every later block of the segment is also true
// (a cut point depends only on the bytes from the block's start); until it
// does, true blocks are chunked one at a time from the file. On ordinary
// data the chains meet within a block or two; on data with no content cut
// points (zeros) blocks are as large as allowed, and the aligned starts make
// them meet at once. Worst case, the result is still exact, found at the
// speed of one thread.
//
// Thread: any; it runs ParallelFor on `threads` threads (the caller's
// included). `read_at` must allow concurrent calls.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/model/block_ref.h"

namespace shoal {

// Reads up to into.size() bytes at `offset`; fewer only at the end of file.
using ReadAtFunction =
    std::function<Result<std::size_t>(std::uint64_t offset, std::span<std::uint8_t> into)>;

// Segments are at least this long; smaller files gain nothing from threads.
inline constexpr std::int64_t kMinParallelSegment = std::int64_t{16} << 20;

// Reads exactly [0, size): a read that ends early fails with kConflict, as
// HashBlocks does (the file changed; the caller's stat comparison catches a
// file that grew).
// `min_segment` (rounded up to a multiple of the largest block) is for
// tests, which use small files.
Result<std::vector<BlockRef>> HashBlocksInParallel(const ReadAtFunction& read_at, std::int64_t size,
                                                   std::uint64_t seed, int threads,
                                                   std::int64_t min_segment = kMinParallelSegment);

}  // namespace shoal
