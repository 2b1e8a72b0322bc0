#include "net/wire/compression.h"

#include <zstd.h>

#include <string>

#include "core/base/check.h"

namespace shoal::net::wire {

struct Compressor::Contexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  Bytes scratch;  // CompressToScratch's output, kept between calls
  Contexts() { SHOAL_CHECK(cctx != nullptr && dctx != nullptr, "zstd: out of memory"); }
  ~Contexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
  Contexts(const Contexts&) = delete;
  Contexts& operator=(const Contexts&) = delete;
};

Compressor::Compressor() : contexts_(std::make_unique<Contexts>()) {}
Compressor::~Compressor() = default;
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;

Bytes Compressor::Compress(ByteSpan input, int level) {
  Bytes out;
  out.resize(CompressInto(input, level, out));
  return out;
}

std::size_t Compressor::CompressInto(ByteSpan input, int level, Bytes& scratch) {
  const std::size_t bound = ZSTD_compressBound(input.size());
  if (scratch.size() < bound) scratch.resize(bound);
  std::size_t n = ZSTD_compressCCtx(contexts_->cctx, scratch.data(), scratch.size(), input.data(),
                                    input.size(), level);
  // With a ZSTD_compressBound buffer and a valid level this cannot fail.
  SHOAL_CHECK(!ZSTD_isError(n), "zstd: compression failed");
  return n;
}

ByteSpan Compressor::CompressToScratch(ByteSpan input, int level) {
  const std::size_t n = CompressInto(input, level, contexts_->scratch);
  return ByteSpan(contexts_->scratch).first(n);
}

Result<Bytes> Compressor::Decompress(ByteSpan input, std::size_t max_size) {
  unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return Fail(ErrorCode::kProtocol, "zstd: not a zstd frame");
  }
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Fail(ErrorCode::kProtocol, "zstd: frame does not declare its content size");
  }
  if (declared > max_size) {
    return Fail(ErrorCode::kProtocol, "zstd: frame declares " + std::to_string(declared) +
                                          " bytes, limit is " + std::to_string(max_size));
  }
  std::size_t frame_size = ZSTD_findFrameCompressedSize(input.data(), input.size());
  if (ZSTD_isError(frame_size) || frame_size != input.size()) {
    return Fail(ErrorCode::kProtocol, "zstd: truncated frame or trailing bytes");
  }
  Bytes out(static_cast<std::size_t>(declared));
  std::size_t n =
      ZSTD_decompressDCtx(contexts_->dctx, out.data(), out.size(), input.data(), input.size());
  if (ZSTD_isError(n)) {
    return Fail(ErrorCode::kProtocol, std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  if (n != out.size()) return Fail(ErrorCode::kProtocol, "zstd: content size mismatch");
  return out;
}

bool CompressionPays(std::size_t raw_size, std::size_t compressed_size) {
  return compressed_size <= raw_size - raw_size / 8 && compressed_size < raw_size;
}

}  // namespace shoal::net::wire
