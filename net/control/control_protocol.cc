#include "net/control/control_protocol.h"

#include <array>
#include <utility>

namespace shoal::net {
namespace {

constexpr std::array<std::pair<ErrorCode, const char*>, 11> kCodes{{
    {ErrorCode::kIo, "io"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kCorrupt, "corrupt"},
    {ErrorCode::kProtocol, "protocol"},
    {ErrorCode::kCrypto, "crypto"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kCancelled, "cancelled"},
    {ErrorCode::kBusy, "busy"},
    {ErrorCode::kInvalidArgument, "invalid_argument"},
    {ErrorCode::kUnauthorized, "unauthorized"},
    {ErrorCode::kNoSpace, "no_space"},
}};

}  // namespace

std::string ControlErrorCode(ErrorCode code) {
  for (const auto& [known, name] : kCodes) {
    if (known == code) return name;
  }
  return "io";
}

ErrorCode ErrorCodeFromControl(std::string_view code) {
  for (const auto& [known, name] : kCodes) {
    if (code == name) return known;
  }
  return ErrorCode::kIo;
}

std::string ControlLine(const nlohmann::json& value) {
  std::string line = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

Result<nlohmann::json> ParseControlLine(std::string_view line) {
  // `depth` counts the arrays and objects around an event. Discarding what
  // is too deep keeps the parsed value shallow on its way to the error.
  bool too_deep = false;
  auto limit_depth = [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    bool opens = event == nlohmann::json::parse_event_t::array_start ||
                 event == nlohmann::json::parse_event_t::object_start;
    if (!opens || depth < kMaxControlDepth) return true;
    too_deep = true;
    return false;
  };
  nlohmann::json value = nlohmann::json::parse(line, limit_depth, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "the request line is not valid JSON");
  }
  if (too_deep) {
    return Fail(ErrorCode::kInvalidArgument,
                "the request line nests arrays and objects more than " +
                    std::to_string(kMaxControlDepth) + " levels");
  }
  return value;
}

ControlRequest DecodeControlRequest(std::string_view line) {
  auto parsed = ParseControlLine(line);
  if (!parsed) return {nullptr, parsed.error()};
  nlohmann::json id = nullptr;
  if (parsed->is_object()) {
    auto it = parsed->find("id");
    if (it != parsed->end()) id = *it;
  }
  auto cmd = parsed->is_object() ? parsed->find("cmd") : parsed->end();
  if (!parsed->is_object() || cmd == parsed->end() || !cmd->is_string()) {
    return {std::move(id),
            Fail(ErrorCode::kInvalidArgument, "a request is a JSON object with a string \"cmd\"")};
  }
  return {std::move(id), std::move(parsed)};
}

nlohmann::json OkResponse(const nlohmann::json& id, nlohmann::json result) {
  nlohmann::json response = nlohmann::json::object();
  response["id"] = id;
  response["ok"] = true;
  response["result"] = std::move(result);
  return response;
}

nlohmann::json ErrorResponse(const nlohmann::json& id, const Error& error) {
  nlohmann::json response = nlohmann::json::object();
  response["id"] = id;
  response["ok"] = false;
  response["error"] = {{"code", ControlErrorCode(error.code)}, {"message", error.message}};
  return response;
}

}  // namespace shoal::net
