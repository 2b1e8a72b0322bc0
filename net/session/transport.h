// The two halves of an established connection's record layer
// (docs/protocol.md "Frames", "Records and fragmentation", "Rekey"), pure
// and I/O-free:
//  * RecordSealer encrypts records with the send CipherState and appends
//    them as frames;
//  * RecordOpener decrypts frame bodies with the receive CipherState,
//    parses the record and reassembles messages (MessageAssembler, with its
//    16 MiB cap checked before anything is buffered).
// Each rekeys its CipherState after every 2^16 messages (ShouldRekey), the
// sender after encrypting and the receiver after decrypting. Both are
// move-only and used by one thread (the session's loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/noise/cipher_state.h"
#include "net/wire/message_assembler.h"
#include "net/wire/messages.h"
#include "net/wire/record.h"

namespace shoal::net {

class RecordSealer {
 public:
  explicit RecordSealer(CipherState send) : send_(std::move(send)) {}

  // Appends one frame holding `record` (at most kMaxRecordSize bytes)
  // encrypted. Fails only when the nonce space is exhausted.
  Result<void> Seal(ByteSpan record, Bytes& out);
  // The same frame written to the front of `out` (at least record.size() +
  // kOverhead bytes); returns its size. The bulk path: no zero-filling.
  Result<std::size_t> SealTo(ByteSpan record, std::span<std::uint8_t> out);
  // Sealed size of a record of `record_size` bytes: frame header and tag.
  static constexpr std::size_t kOverhead = wire::kFrameHeaderSize + kTagLen;
  std::uint64_t messages() const { return send_.nonce(); }

 private:
  CipherState send_;
};

// What one frame yields: nothing yet (a fragment), a whole message, or a
// Response decoded straight from its record (Responses are self-contained,
// so the bulk path skips the assembler and one copy).
struct Opened {
  std::optional<wire::Message> message;
  std::optional<wire::Response> response;
};

class RecordOpener {
 public:
  explicit RecordOpener(CipherState receive, std::size_t max_body = wire::kMaxMessageBody)
      : receive_(std::move(receive)), assembler_(max_body), plaintext_(wire::kMaxRecordSize) {}

  // Decrypts one frame body, parses its record and returns what it
  // completes. Any failure is final: kCrypto for a frame that does not
  // authenticate, kProtocol otherwise.
  Result<Opened> Open(ByteSpan frame);
  // Bytes held for a pending fragmented message (never above max_body).
  std::size_t buffered() const { return assembler_.buffered(); }
  bool idle() const { return assembler_.idle(); }
  std::uint64_t messages() const { return receive_.nonce(); }

 private:
  CipherState receive_;
  wire::MessageAssembler assembler_;
  Bytes plaintext_;  // kMaxRecordSize bytes, reused for every frame
  bool failed_ = false;
};

}  // namespace shoal::net
