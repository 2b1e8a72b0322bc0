// Zstandard for message bodies (docs/protocol.md "Compression").
//
// Compressor owns one ZSTD_CCtx and one ZSTD_DCtx, created in the
// constructor (abort on allocation failure) and freed in the destructor;
// move-only; one thread at a time (a session's loop thread). Decompress
// never allocates more than `max_size` bytes of output: the frame must
// declare its content size and that size must fit, otherwise it fails
// before allocating (a "zstd bomb" is refused, not inflated).
#pragma once

#include <cstddef>
#include <memory>

#include "core/base/bytes.h"
#include "core/base/result.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace shoal::net::wire {

// Index batches and other structured messages: good ratio, still fast.
inline constexpr int kMessageLevel = 3;
// Block data: speed matters more than ratio on a LAN.
inline constexpr int kBlockLevel = 1;

class Compressor {
 public:
  Compressor();
  ~Compressor();
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;

  // One zstd frame with its content size in the header.
  Bytes Compress(ByteSpan input, int level);
  // The same frame written to the front of `scratch` (grown as needed and
  // reused across calls, so bulk callers allocate once); returns its size.
  std::size_t CompressInto(ByteSpan input, int level, Bytes& scratch);
  // The same frame in a buffer this Compressor keeps, valid until its next
  // call: for block data, compressed piece by piece as it is sent. A fresh
  // buffer for every Response was zeroed each time (5% of a sender's CPU
  // in the 1 GiB sync, in memset alone).
  ByteSpan CompressToScratch(ByteSpan input, int level);
  // Exactly one complete zstd frame whose declared content size is at most
  // `max_size`; fails with kProtocol otherwise (unknown size, trailing
  // bytes, corrupt data, size mismatch).
  Result<Bytes> Decompress(ByteSpan input, std::size_t max_size);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
};

// Block data is sent compressed only when that saves at least 1/8 of it:
// below that, the receiver's decompression costs more than the bytes saved.
bool CompressionPays(std::size_t raw_size, std::size_t compressed_size);

}  // namespace shoal::net::wire
