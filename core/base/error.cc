#include "core/base/error.h"

namespace shoal {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kProtocol:
      return "protocol";
    case ErrorCode::kCrypto:
      return "crypto";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kNoSpace:
      return "no space";
  }
  return "unknown";
}

Error Error::Wrap(std::string_view context) const {
  std::string wrapped;
  wrapped.reserve(context.size() + 2 + message.size());
  wrapped.append(context).append(": ").append(message);
  return Error{code, std::move(wrapped)};
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  out.append(": ").append(message);
  return out;
}

}  // namespace shoal
