// FolderKey and DeviceKey (core/model/store_keys.h) are distinct types, so
// an Index call given its two keys the wrong way round does not compile.
// The static_asserts are the test: this file failing to build is the
// failure; the TEST_CASEs name them in the test list and check the keys'
// run-time behaviour.
#include <catch2/catch.hpp>
#include <concepts>
#include <cstdint>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>

#include "core/store/index.h"

namespace shoal {
namespace {

// Whether Index::GetFile / PutFiles / ShareFolder accept keys of these types
// in this order.
template <typename Folder, typename Device>
concept GetFileTakes = requires(Index& index, Folder folder, Device device) {
  index.GetFile(folder, device, std::string());
};
template <typename Folder, typename Device>
concept PutFilesTakes = requires(Index& index, Folder folder, Device device,
                                 std::span<FileInfo> files) {
  index.PutFiles(folder, device, files);
};
template <typename... Args>
constexpr bool kShareFolderTakes =
    std::is_invocable_v<decltype(&Index::ShareFolder), Index&, Args...>;

TEST_CASE("Index calls given a device key where the folder key goes do not compile",
          "[store][keys]") {
  static_assert(GetFileTakes<FolderKey, DeviceKey>);
  static_assert(!GetFileTakes<DeviceKey, FolderKey>);
  static_assert(!GetFileTakes<std::int64_t, std::int64_t>);

  static_assert(PutFilesTakes<FolderKey, DeviceKey>);
  static_assert(!PutFilesTakes<DeviceKey, FolderKey>);

  static_assert(kShareFolderTakes<FolderKey, DeviceKey>);
  static_assert(!kShareFolderTakes<DeviceKey, FolderKey>);
  static_assert(!kShareFolderTakes<std::int64_t, std::int64_t>);
  SUCCEED("checked when this file compiled");
}

TEST_CASE("a store key is made from an integer only on purpose and never becomes another kind",
          "[store][keys]") {
  static_assert(!std::is_convertible_v<std::int64_t, FolderKey>);
  static_assert(!std::is_convertible_v<FolderKey, std::int64_t>);
  static_assert(!std::is_convertible_v<FolderKey, DeviceKey>);
  static_assert(!std::is_constructible_v<DeviceKey, FolderKey>);
  static_assert(!std::equality_comparable_with<FolderKey, DeviceKey>);
  static_assert(std::is_constructible_v<FolderKey, std::int64_t>);
  SUCCEED("checked when this file compiled");
}

TEST_CASE("store keys compare, order and print as the integers they hold", "[store][keys]") {
  CHECK(DeviceKey(3) == DeviceKey(3));
  CHECK(DeviceKey(3) != DeviceKey(4));
  CHECK(FolderKey(2) < FolderKey(10));
  CHECK(FolderKey() == FolderKey(0));  // no row
  std::map<DeviceKey, std::string> by_key{{DeviceKey(7), "b"}, {DeviceKey(1), "a"}};
  CHECK(by_key.begin()->second == "a");
  std::ostringstream out;
  out << DeviceKey(42);
  CHECK(out.str() == "42");
}

}  // namespace
}  // namespace shoal
