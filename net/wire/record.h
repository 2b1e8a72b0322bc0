// Records: the plaintext of one transport message is one record, a type
// byte, a flags byte and a body (docs/protocol.md "Records and
// fragmentation"). Larger messages span several records, all but the last
// flagged kFlagMoreFragments; MessageAssembler (message_assembler.h) joins
// them, PackMessage (record_packer.h) splits them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/cipher_state.h"
#include "net/wire/frame.h"

namespace shoal::net::wire {

enum class RecordType : std::uint8_t {
  kHello = 1,
  kClusterConfig = 2,
  kIndex = 3,
  kIndexUpdate = 4,
  kRequest = 5,
  kResponse = 6,
  kPing = 7,
  kClose = 8,
  kPairAccept = 9,
  kPunch = 10,
  kPairReveal = 11,
};
std::string_view RecordTypeName(RecordType type);

inline constexpr std::uint8_t kFlagMoreFragments = 0x01;
inline constexpr std::uint8_t kFlagCompressed = 0x02;
inline constexpr std::uint8_t kKnownFlags = kFlagMoreFragments | kFlagCompressed;

inline constexpr std::size_t kRecordHeaderSize = 2;
// A record is the plaintext of one Noise transport message, whose
// ciphertext (plaintext + 16-byte tag) fills at most one frame.
inline constexpr std::size_t kMaxRecordSize = kMaxFrameBody - kTagLen;             // 65519
inline constexpr std::size_t kMaxRecordBody = kMaxRecordSize - kRecordHeaderSize;  // 65517
// Cap on a reassembled message body, both as received and decompressed.
// Index batches are built to stay below it.
inline constexpr std::size_t kMaxMessageBody = std::size_t{16} << 20;  // 16 MiB
// A Response record: request id (u32), code (u8), offset (u32), then data;
// only the data is compressed, so the header stays readable.
inline constexpr std::size_t kResponseHeaderSize = 9;
inline constexpr std::size_t kMaxResponseData = kMaxRecordBody - kResponseHeaderSize;  // 65508

struct Record {
  RecordType type = RecordType::kPing;
  std::uint8_t flags = 0;
  ByteSpan body;  // points into the parsed plaintext
};

// Fails with kProtocol on an empty or oversized record, an unknown type,
// reserved flag bits, or kFlagMoreFragments on a Response.
Result<Record> ParseRecord(ByteSpan plaintext);
Bytes EncodeRecord(RecordType type, std::uint8_t flags, ByteSpan body);

}  // namespace shoal::net::wire
