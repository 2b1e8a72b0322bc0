#include "net/wire/record_packer.h"

#include <algorithm>

#include "core/base/check.h"
#include "net/wire/field_codec.h"

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
  std::vector<Bytes> records;
  PackResponseInto(request_id, code, block, zstd,
                   [&](ByteSpan record) { records.emplace_back(record.begin(), record.end()); });
  return records;
}

void PackResponseInto(std::uint32_t request_id, ResponseCode code, ByteSpan block, Compressor& zstd,
                      const std::function<void(ByteSpan record)>& emit) {
  Bytes record;
  record.reserve(kMaxRecordSize);
  // Record header, then the Response header (the layout Encode(Response)
  // writes: request ID u32, code u8, offset u32), then the piece's data.
  auto begin_record = [&](std::uint8_t flags, std::uint32_t offset) {
    record.clear();
    record.push_back(static_cast<std::uint8_t>(RecordType::kResponse));
    record.push_back(flags);
    AppendBigEndian32(record, request_id);
    AppendU8(record, static_cast<std::uint8_t>(code));
    AppendBigEndian32(record, offset);
  };
  if (code != ResponseCode::kOk) {
    begin_record(0, 0);
    emit(record);
    return;
  }
  SHOAL_CHECK(block.size() <= kMaxBlockSize, "block over kMaxBlockSize");
  // Data that does not compress at the start of a block (media, archives,
  // encrypted files) rarely compresses further on; not trying again saves
  // most of the sender's zstd time on such blocks.
  bool try_compress = true;
  std::size_t offset = 0;
  do {
    const std::size_t take = std::min(block.size() - offset, kMaxResponseData);
    const ByteSpan data = block.subspan(offset, take);
    const bool attempt = take > 0 && try_compress;
    const ByteSpan packed = attempt ? zstd.CompressToScratch(data, kBlockLevel) : ByteSpan();
    const bool pays = attempt && CompressionPays(take, packed.size());
    if (offset == 0 && !pays) try_compress = false;
    begin_record(pays ? kFlagCompressed : 0, static_cast<std::uint32_t>(offset));
    const ByteSpan payload = pays ? packed : data;
    record.insert(record.end(), payload.begin(), payload.end());
    emit(record);
    offset += take;
  } while (offset < block.size());
}

}  // namespace shoal::net::wire
