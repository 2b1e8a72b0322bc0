#include "core/hash/parallel_block_hash.h"

#include <algorithm>
#include <optional>
#include <string>

#include "core/base/parallel_for.h"
#include "core/chunk/chunker.h"
#include "core/hash/block_hash.h"

namespace shoal {
namespace {

struct Segment {
  std::int64_t start = 0;
  std::int64_t end = 0;               // chunking stops at the first block ending at or past it
  std::vector<std::int64_t> offsets;  // where each block begins
  std::vector<BlockRef> blocks;
  std::optional<Error> error;
};

Error ShortRead(std::int64_t size, std::int64_t offset) {
  return Error{ErrorCode::kConflict, "the file is shorter than its " + std::to_string(size) +
                                         " bytes at offset " + std::to_string(offset) +
                                         ": it changed while it was read"};
}

// Chunks from seg.start as if a block began there.
void ChunkSegment(const ReadAtFunction& read_at, std::int64_t size, std::uint64_t seed,
                  const ChunkSizes& sizes, Segment& seg) {
  std::int64_t read_pos = seg.start;
  const ReadFunction read = [&](std::span<std::uint8_t> into) -> Result<std::size_t> {
    const auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(into.size()), size - read_pos));
    if (want == 0) return std::size_t{0};
    auto got = read_at(static_cast<std::uint64_t>(read_pos), into.first(want));
    if (!got) return got;
    if (*got < want) return ShortRead(size, read_pos + static_cast<std::int64_t>(*got));
    read_pos += static_cast<std::int64_t>(*got);
    return got;
  };
  std::int64_t block_start = seg.start;
  bool reached_end = false;
  Chunker chunker(sizes);
  auto done = chunker.Run(read, [&](ByteSpan block) -> Result<void> {
    seg.offsets.push_back(block_start);
    seg.blocks.push_back(
        BlockRef{static_cast<std::uint32_t>(block.size()), HashBlock(block, seed)});
    block_start += static_cast<std::int64_t>(block.size());
    if (block_start >= seg.end) {
      reached_end = true;
      return Fail(ErrorCode::kCancelled, "segment done");
    }
    return {};
  });
  if (!done && !reached_end) seg.error = done.error();
}

}  // namespace

Result<std::vector<BlockRef>> HashBlocksInParallel(const ReadAtFunction& read_at, std::int64_t size,
                                                   std::uint64_t seed, int threads,
                                                   std::int64_t min_segment) {
  if (size < 0)
    return Fail(ErrorCode::kInvalidArgument, "negative file size " + std::to_string(size));
  const ChunkSizes sizes = ChunkSizesForFile(size);
  const std::int64_t align = sizes.max;
  // A few segments per thread, so that one slow segment does not idle the
  // others; each a multiple of the largest block.
  const std::int64_t wanted = size / (std::max(threads, 1) * 4);
  const std::int64_t length = (std::max(wanted, min_segment) + align - 1) / align * align;
  std::vector<Segment> segments;
  for (std::int64_t start = 0; start < size; start += length) {
    Segment& seg = segments.emplace_back();
    seg.start = start;
    seg.end = std::min(size, start + length);
  }
  ParallelFor(segments.size(), threads,
              [&](std::size_t k) { ChunkSegment(read_at, size, seed, sizes, segments[k]); });
  for (const Segment& seg : segments) {
    if (seg.error) return *seg.error;
  }

  // Follow the true chain through the segments.
  std::vector<BlockRef> blocks;
  blocks.reserve(static_cast<std::size_t>(size / sizes.avg) + 1);
  std::vector<std::uint8_t> buffer;
  std::int64_t pos = 0;
  std::size_t k = 0;
  while (pos < size) {
    while (k < segments.size() &&
           (segments[k].offsets.empty() || segments[k].offsets.back() < pos)) {
      ++k;  // this segment's blocks all begin before pos: no use
    }
    if (k < segments.size()) {
      const Segment& seg = segments[k];
      auto at = std::lower_bound(seg.offsets.begin(), seg.offsets.end(), pos);
      if (at != seg.offsets.end() && *at == pos) {  // the chains meet
        const auto i = static_cast<std::size_t>(at - seg.offsets.begin());
        blocks.insert(blocks.end(), seg.blocks.begin() + static_cast<std::ptrdiff_t>(i),
                      seg.blocks.end());
        pos = seg.offsets.back() + seg.blocks.back().size;
        ++k;
        continue;
      }
    }
    // One true block, chunked from the file.
    buffer.resize(static_cast<std::size_t>(std::min<std::int64_t>(sizes.max, size - pos)));
    auto got = read_at(static_cast<std::uint64_t>(pos), buffer);
    if (!got) return got.error();
    if (*got < buffer.size()) return ShortRead(size, pos + static_cast<std::int64_t>(*got));
    const std::size_t n = FindCutPoint(buffer, sizes);
    blocks.push_back(
        BlockRef{static_cast<std::uint32_t>(n), HashBlock(ByteSpan(buffer.data(), n), seed)});
    pos += static_cast<std::int64_t>(n);
  }
  return blocks;
}

}  // namespace shoal
