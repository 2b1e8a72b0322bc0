// Content-defined chunking: splits a file into blocks whose boundaries depend
// only on the bytes near them, so an insertion or deletion changes only the
// one or two blocks around it (DESIGN.md "Chunking", docs/protocol.md "Blocks
// and content IDs").
//
// The algorithm is FastCDC as published in 2020 (Xia et al., IEEE TPDS):
// a gear rolling hash fp = (fp << 1) + kGear[byte], cut-point skipping (no
// hashing in a block's first `min` bytes), normalized chunking level 2 (a mask
// with 2 bits more than log2(avg) before `avg`, one with 2 bits fewer after)
// and rolling two bytes per loop step. The gear table and masks are frozen
// constants in chunker.cc: boundaries are part of the protocol and must never
// change between versions.
//
// Everything here is pure and single-threaded; a Chunker may be used by one
// thread at a time and reused for many files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal {

// Block size bounds in bytes. Every block is at least `min` and at most `max`
// bytes long, except a file's last block, which may be shorter.
struct ChunkSizes {
  std::uint32_t min = 0;
  std::uint32_t avg = 0;  // a power of two; selects the masks
  std::uint32_t max = 0;

  friend bool operator==(const ChunkSizes&, const ChunkSizes&) = default;
};

// Files below this size use the small size class, others the large one.
inline constexpr std::int64_t kLargeFileThreshold = std::int64_t{1} << 30;
inline constexpr ChunkSizes kSmallFileChunkSizes{16u << 10, 64u << 10, 256u << 10};
inline constexpr ChunkSizes kLargeFileChunkSizes{256u << 10, 1u << 20, 4u << 20};

// The size class for a file of `file_size` bytes.
ChunkSizes ChunkSizesForFile(std::int64_t file_size);

// Length of the first block of `data`: all of it when it holds at most
// `sizes.min` bytes, otherwise the first content-defined cut point, otherwise
// min(data.size(), sizes.max). `sizes` must be one of the two size classes.
//
// A result shorter than data.size() is final: more data after `data` would
// not move it. A result equal to data.size() < sizes.max is final only at
// the end of the file.
std::size_t FindCutPoint(ByteSpan data, const ChunkSizes& sizes);

// FindCutPoint for a caller that already knows that the first `no_cut_before`
// bytes of `data` hold no cut point (an earlier call on a prefix returned the
// prefix's length). Returns the same value as FindCutPoint(data, sizes) but
// rehashes at most 64 bytes of the prefix instead of all of it.
std::size_t FindCutPointFrom(ByteSpan data, const ChunkSizes& sizes, std::size_t no_cut_before);

// The paper's loop, one byte per step and nothing else: the specification
// FindCutPoint is tested against. Slow; for tests only.
std::size_t FindCutPointReference(ByteSpan data, const ChunkSizes& sizes);

// Fills `into` with up to into.size() bytes; returns how many, 0 at the end.
using ReadFunction = std::function<Result<std::size_t>(std::span<std::uint8_t> into)>;
// Receives one block; the span is valid only during the call. An error stops
// the chunker and is returned from Chunker::Run.
using BlockFunction = std::function<Result<void>(ByteSpan block)>;

// Streams a file through FindCutPoint without holding more than a bounded
// buffer (about 2 * sizes.max) of it in memory.
class Chunker {
 public:
  explicit Chunker(ChunkSizes sizes);

  // Reads until `read` returns 0, calling `on_block` for each block in file
  // order; the blocks concatenate to exactly the bytes read. Returns the
  // first error from `read` or `on_block`, after which the file is abandoned
  // (the Chunker itself stays usable). An empty file has no blocks.
  Result<void> Run(const ReadFunction& read, const BlockFunction& on_block);

  const ChunkSizes& sizes() const { return sizes_; }

 private:
  // Appends bytes from `read` after buffer_[0, end) until the buffer is full
  // or the file ends; returns the new end and sets `eof` at the end.
  Result<std::size_t> Fill(const ReadFunction& read, std::size_t end, bool& eof);

  ChunkSizes sizes_;
  std::size_t capacity_;  // the buffer's final size; it starts small
  std::vector<std::uint8_t> buffer_;
};

}  // namespace shoal
