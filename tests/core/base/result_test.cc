#include "core/base/result.h"

#include <catch2/catch.hpp>
#include <memory>
#include <set>

namespace shoal {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Fail(ErrorCode::kInvalidArgument, std::to_string(n) + " is odd");
  return n / 2;
}

Result<void> CheckEven(int n) {
  auto half = Half(n);
  if (!half) return half.error().Wrap("check");
  return {};
}

}  // namespace

TEST_CASE("Result holds a value or an error, never both", "[base][result]") {
  auto ok = Half(8);
  REQUIRE(ok.has_value());
  CHECK(*ok == 4);
  CHECK(ok.value_or(-1) == 4);

  auto bad = Half(7);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
  CHECK(bad.error().message == "7 is odd");
  CHECK(bad.value_or(-1) == -1);
}

TEST_CASE("Error context is prefixed hop by hop and keeps the code", "[base][result]") {
  auto r = CheckEven(3);
  REQUIRE_FALSE(r);
  Error e = r.error().Wrap("config");
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK(e.message == "config: check: 3 is odd");
  CHECK(e.ToString() == "invalid argument: config: check: 3 is odd");
  CHECK(CheckEven(4).has_value());
}

TEST_CASE("Result moves move-only values out", "[base][result]") {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  std::unique_ptr<int> p = std::move(r).value();
  REQUIRE(p != nullptr);
  CHECK(*p == 5);
}

TEST_CASE("every error code has a distinct readable name", "[base][result]") {
  const ErrorCode codes[] = {
      ErrorCode::kIo,          ErrorCode::kNotFound, ErrorCode::kCorrupt,
      ErrorCode::kProtocol,    ErrorCode::kCrypto,   ErrorCode::kConflict,
      ErrorCode::kCancelled,   ErrorCode::kBusy,     ErrorCode::kInvalidArgument,
      ErrorCode::kUnauthorized};
  std::set<std::string_view> names;
  for (ErrorCode c : codes) names.insert(ErrorCodeName(c));
  CHECK(names.size() == std::size(codes));
  CHECK(names.count("unknown") == 0);
}

}  // namespace shoal
