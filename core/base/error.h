// Error: what went wrong, as a value. Every fallible function in Shoal returns
// Result<T> (core/base/result.h) carrying one of these; nothing throws.
//
// The code says what kind of failure it is (callers branch on it); the message
// is one human sentence fragment, grown by each hop with context, outermost
// first: "index: open 'x.db': disk I/O error".
#pragma once

#include <string>
#include <string_view>

namespace shoal {

enum class ErrorCode {
  kIo,               // the OS or a library failed to read/write
  kNotFound,         // a file, row, device or folder does not exist
  kCorrupt,          // stored or received data fails its own checks
  kProtocol,         // a peer broke the wire protocol
  kCrypto,           // authentication, decryption or key failure
  kConflict,         // concurrent modification detected
  kCancelled,        // the operation was stopped on purpose
  kBusy,             // try again later (locked database, full queue)
  kInvalidArgument,  // the caller passed something malformed
  kUnauthorized,     // the peer or user is not allowed to do this
  kNoSpace,          // the disk (or a quota) is full
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // Returns a copy whose message is prefixed with `context` and ": ".
  [[nodiscard]] Error Wrap(std::string_view context) const;
  // "kind: message", for logs and CLI output.
  [[nodiscard]] std::string ToString() const;
};

}  // namespace shoal
