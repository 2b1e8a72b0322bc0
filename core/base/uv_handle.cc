#include "core/base/uv_handle.h"

#include <string>

namespace shoal::internal {

Error UvInitError(uv_handle_type type, int status) {
  std::string message("init ");
  message.append(uv_handle_type_name(type)).append(" handle: ").append(uv_strerror(status));
  return Error{ErrorCode::kIo, std::move(message)};
}

}  // namespace shoal::internal
