// DecodeControlRequest and ParseControlLine: what ControlServer makes of one
// request line before any handler sees it.
#include "net/control/control_protocol.h"

#include <catch2/catch.hpp>
#include <string>

namespace shoal::net {
namespace {

using nlohmann::json;

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

}  // namespace
}  // namespace shoal::net
