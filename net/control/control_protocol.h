// The control protocol's message shapes (docs/api.md): newline-delimited
// JSON, one object per line. A request is {"id": any, "cmd": string, ...};
// its response is {"id": same, "ok": true, "result": {...}} or
// {"id": same, "ok": false, "error": {"code": string, "message": string}};
// an event pushed to a subscriber is {"event": string, ...}. Error codes
// on the wire are ErrorCode names in snake_case ("not_found").
//
// Pure functions shared by ControlServer and ControlClient; nothing here
// throws (nlohmann/json is used only through its non-throwing entry points).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace shoal::net {

// A request or response line may hold at most this many bytes.
inline constexpr std::size_t kMaxControlLineBytes = std::size_t{1} << 20;
// ...and nest at most this many levels of arrays and objects. No command needs more
// than a few levels. nlohmann/json parses without recursion but copies,
// compares and dumps recursively: a request whose "id" is 100,000 nested
// arrays (200 KB) overflowed the daemon's stack when the id was copied for
// the response.
inline constexpr int kMaxControlDepth = 64;

// "not_found" for kNotFound, and so on.
std::string ControlErrorCode(ErrorCode code);
// The inverse; an unknown code reads as kIo.
ErrorCode ErrorCodeFromControl(std::string_view code);

// One JSON value as one line, newline included. Invalid UTF-8 in strings is
// replaced, never thrown about.
std::string ControlLine(const nlohmann::json& value);
// Parses one line (without its newline); kInvalidArgument if it is not JSON
// or nests deeper than kMaxControlDepth.
Result<nlohmann::json> ParseControlLine(std::string_view line);

// One request line as ControlServer reads it. `id` is the request's "id"
// (null when it has none, or when the line is not a JSON object): the
// response echoes it even when `request` is an error. `request` is the
// object, whose "cmd" is a string, or kInvalidArgument.
struct ControlRequest {
  nlohmann::json id;
  Result<nlohmann::json> request;
};
ControlRequest DecodeControlRequest(std::string_view line);

nlohmann::json OkResponse(const nlohmann::json& id, nlohmann::json result);
nlohmann::json ErrorResponse(const nlohmann::json& id, const Error& error);

}  // namespace shoal::net
