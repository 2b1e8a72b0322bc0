// MessageAssembler: turns the records of one direction, in order, into
// whole messages with decompressed bodies (docs/protocol.md "Records and
// fragmentation", "Compression").
//
// Rules it enforces (any violation is a kProtocol error; the session then
// closes):
//  * A fragmented message's records all have the same type and the same
//    kFlagCompressed; no other message starts before its last record,
//    except Response records, which are self-contained and may come between.
//  * The reassembled body (compressed as received) and the decompressed body
//    are each at most `max_body` bytes. The check runs before each append,
//    and the buffer grows to at most `max_body`, so a peer cannot make it
//    allocate more whatever it announces.
//  * A compressed Response record's data decompresses to at most
//    kMaxResponseData bytes.
// One thread at a time (a session's loop thread).
#pragma once

#include <cstddef>
#include <optional>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/wire/compression.h"
#include "net/wire/record.h"

namespace shoal::net::wire {

struct Message {
  RecordType type = RecordType::kPing;
  Bytes body;  // decompressed; decode with the matching DecodeX
};

class MessageAssembler {
 public:
  explicit MessageAssembler(std::size_t max_body = kMaxMessageBody) : max_body_(max_body) {}

  // The message `record` completes, or nullopt while fragments are pending.
  Result<std::optional<Message>> Add(const Record& record);

  // True when no fragmented message is pending (EOF is then clean framing).
  bool idle() const { return !pending_; }
  // Bytes held for the pending message (for tests and memory accounting).
  std::size_t buffered() const { return buffer_.size(); }

 private:
  Result<Message> Finish(RecordType type, std::uint8_t flags, Bytes body);
  Result<Message> ResponseMessage(const Record& record);
  Result<void> Append(ByteSpan body);

  Compressor zstd_;
  std::size_t max_body_;
  bool pending_ = false;
  RecordType type_ = RecordType::kPing;
  std::uint8_t flags_ = 0;
  Bytes buffer_;
};

}  // namespace shoal::net::wire
