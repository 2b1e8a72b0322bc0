// DecodeControlRequest and ParseControlLine: what ControlServer makes of one
// request line before any handler sees it.
#include "net/control/control_protocol.h"

#include <catch2/catch.hpp>
#include <string>

namespace shoal::net {
namespace {

using nlohmann::json;

// `levels` arrays, one inside the other.
std::string Nested(int levels) {
  return std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']');
}

TEST_CASE("a request line decodes to its id and the whole request", "[control]") {
  ControlRequest decoded = DecodeControlRequest(R"({"id":[7,"x"],"cmd":"status","folder":"a"})");
  REQUIRE(decoded.request.has_value());
  CHECK(decoded.id == json::array({7, "x"}));
  CHECK((*decoded.request)["cmd"] == "status");
  CHECK((*decoded.request)["folder"] == "a");

  ControlRequest no_id = DecodeControlRequest(R"({"cmd":"status"})");
  REQUIRE(no_id.request.has_value());
  CHECK(no_id.id.is_null());
}

TEST_CASE("a line that is not a request keeps its id for the error response", "[control]") {
  ControlRequest no_cmd = DecodeControlRequest(R"({"id":2,"cmd":5})");
  REQUIRE_FALSE(no_cmd.request.has_value());
  CHECK(no_cmd.request.error().code == ErrorCode::kInvalidArgument);
  CHECK(no_cmd.id == 2);

  for (const char* line : {"[1,2]", "{not json", R"({"id":3,"cmd":"x")"}) {
    ControlRequest bad = DecodeControlRequest(line);
    REQUIRE_FALSE(bad.request.has_value());
    CHECK(bad.request.error().code == ErrorCode::kInvalidArgument);
    CHECK(bad.id.is_null());
  }
}

TEST_CASE("a line may nest 64 levels of arrays and objects, not 65", "[control]") {
  // The request object is the first level.
  std::string deepest = R"({"id":)" + Nested(kMaxControlDepth - 1) + R"(,"cmd":"x"})";
  ControlRequest accepted = DecodeControlRequest(deepest);
  REQUIRE(accepted.request.has_value());
  CHECK(ControlLine(OkResponse(accepted.id, json::object())).back() == '\n');

  std::string too_deep = R"({"id":)" + Nested(kMaxControlDepth) + R"(,"cmd":"x"})";
  ControlRequest refused = DecodeControlRequest(too_deep);
  REQUIRE_FALSE(refused.request.has_value());
  CHECK(refused.request.error().message.find("more than 64 levels") != std::string::npos);
  CHECK(refused.id.is_null());
  CHECK_FALSE(ParseControlLine(Nested(kMaxControlDepth + 1)).has_value());
  CHECK(ParseControlLine(Nested(kMaxControlDepth)).has_value());
}

}  // namespace
}  // namespace shoal::net
