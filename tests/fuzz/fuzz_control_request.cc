// libFuzzer target: one control-socket request line (net/control/
// control_protocol.h), whole, as ControlServer hands it to
// DecodeControlRequest (the server splits at newlines first; the fuzzer
// need not). Whatever the line, the response the server would send, which
// echoes the decoded id, must be one line that the client parses back to
// the same value. A line that decodes must be an object with a string "cmd"
// whose "id" is the decoded id, at most kMaxControlDepth levels deep, and
// must itself survive ControlLine and ParseControlLine unchanged (the daemon
// echoes parts of requests in its answers). Anything else aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/control/control_protocol.h"

namespace {

using nlohmann::json;
using shoal::net::ControlLine;
using shoal::net::ParseControlLine;

// Levels of arrays and objects, the outermost included. Recursive: only
// called on values the decoder let through, which are shallow.
int Depth(const json& value) {
  if (!value.is_structured()) return 0;
  int deepest = 0;
  for (const json& child : value) deepest = std::max(deepest, Depth(child));
  return deepest + 1;
}

// ControlLine's output is one line that parses back to `value`; encoding
// that again gives the same line.
void CheckRoundTrip(const json& value) {
  const std::string line = ControlLine(value);
  if (line.find('\n') != line.size() - 1) std::abort();
  auto back = ParseControlLine(std::string_view(line).substr(0, line.size() - 1));
  if (!back || *back != value || ControlLine(*back) != line) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal::net;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  ControlRequest decoded = DecodeControlRequest(line);
  if (Depth(decoded.id) > kMaxControlDepth) std::abort();

  const json response = decoded.request ? OkResponse(decoded.id, json::object())
                                        : ErrorResponse(decoded.id, decoded.request.error());
  CheckRoundTrip(response);
  if (!decoded.request) {
    if (decoded.request.error().code != shoal::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }

  const json& request = *decoded.request;
  if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string()) {
    std::abort();
  }
  if (decoded.id != request.value("id", json(nullptr))) std::abort();
  if (Depth(request) > kMaxControlDepth) std::abort();
  CheckRoundTrip(request);
  return 0;
}
