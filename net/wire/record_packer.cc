#include "net/wire/record_packer.h"

#include <algorithm>

#include "core/base/check.h"

namespace shoal::net::wire {

bool AlwaysCompressed(RecordType type) {
  return type == RecordType::kIndex || type == RecordType::kIndexUpdate;
}

std::vector<Bytes> PackMessage(RecordType type, ByteSpan body, Compressor& zstd) {
  SHOAL_CHECK(type != RecordType::kResponse, "Responses are packed by PackResponse");
  SHOAL_CHECK(body.size() <= kMaxMessageBody, "message body over kMaxMessageBody");
  std::uint8_t flags = 0;
  Bytes compressed;
  if (AlwaysCompressed(type)) {
    compressed = zstd.Compress(body, kMessageLevel);
    // zstd may grow incompressible input by a few bytes; stay within the cap.
    if (compressed.size() <= kMaxMessageBody) {
      body = compressed;
      flags = kFlagCompressed;
    }
  }
  std::vector<Bytes> records;
  records.reserve(body.size() / kMaxRecordBody + 1);
  do {
    std::size_t take = std::min(body.size(), kMaxRecordBody);
    bool last = take == body.size();
    records.push_back(
        EncodeRecord(type, last ? flags : flags | kFlagMoreFragments, body.first(take)));
    body = body.subspan(take);
  } while (!body.empty());
  return records;
}

std::vector<Bytes> PackResponse(std::uint32_t request_id, ResponseCode code, ByteSpan block,
                                Compressor& zstd) {
  Response piece;
  piece.request_id = request_id;
  piece.code = code;
  if (code != ResponseCode::kOk) {
    return {EncodeRecord(RecordType::kResponse, 0, Encode(piece))};
  }
  SHOAL_CHECK(block.size() <= kMaxBlockSize, "block over kMaxBlockSize");
  std::vector<Bytes> records;
  std::size_t offset = 0;
  do {
    std::size_t take = std::min(block.size() - offset, kMaxResponseData);
    ByteSpan data = block.subspan(offset, take);
    piece.offset = static_cast<std::uint32_t>(offset);
    Bytes compressed = take > 0 ? zstd.Compress(data, kBlockLevel) : Bytes();
    std::uint8_t flags = 0;
    if (take > 0 && CompressionPays(take, compressed.size())) {
      piece.data = std::move(compressed);
      flags = kFlagCompressed;
    } else {
      piece.data.assign(data.begin(), data.end());
    }
    records.push_back(EncodeRecord(RecordType::kResponse, flags, Encode(piece)));
    offset += take;
  } while (offset < block.size());
  return records;
}

}  // namespace shoal::net::wire
