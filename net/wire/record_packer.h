// Outgoing side of records: a message body becomes the plaintexts of one or
// more transport messages (docs/protocol.md "Records and fragmentation",
// "Compression"). Each returned element is one record, at most
// kMaxRecordSize bytes, to be encrypted and framed in order.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/bytes.h"
#include "net/wire/compression.h"
#include "net/wire/messages.h"
#include "net/wire/record.h"

namespace shoal::net::wire {

// Index and IndexUpdate bodies are always compressed; other messages never
// (they are small or already handled by PackResponse).
bool AlwaysCompressed(RecordType type);

// Splits the body of any message except Response; all records but the last
// carry kFlagMoreFragments. `body` must be at most kMaxMessageBody bytes
// (callers batch below it; aborts otherwise).
std::vector<Bytes> PackMessage(RecordType type, ByteSpan body, Compressor& zstd);

template <typename T>
std::vector<Bytes> Pack(const T& message, Compressor& zstd) {
  return PackMessage(T::kType, Encode(message), zstd);
}

// The Response records for a request: an error is one record without data;
// a block (ok) is cut into pieces of at most kMaxResponseData bytes at
// ascending offsets, each compressed on its own when CompressionPays. When
// the first piece does not pay, the rest of the block is sent uncompressed
// without trying.
std::vector<Bytes> PackResponse(std::uint32_t request_id, ResponseCode code, ByteSpan block,
                                Compressor& zstd);
// The same records, handed to `emit` one at a time (each valid during the
// call only) from buffers reused across pieces: the bulk path, which
// copies each byte of the block once.
void PackResponseInto(std::uint32_t request_id, ResponseCode code, ByteSpan block, Compressor& zstd,
                      const std::function<void(ByteSpan record)>& emit);

// Deterministic rekey (docs/protocol.md "State machine"): after a message
// that leaves a CipherState with nonce `n`, its owner calls Rekey() when
// this is true, i.e. every 2^16 messages per direction.
inline constexpr std::uint64_t kRekeyInterval = std::uint64_t{1} << 16;
constexpr bool ShouldRekey(std::uint64_t nonce) {
  return nonce != 0 && nonce % kRekeyInterval == 0;
}

}  // namespace shoal::net::wire
