// FolderKey, DeviceKey: the row keys (SQLite rowids) that core/store's
// Index gives a folder and a device, as distinct types so that a call that
// swaps them does not compile. Plain values, here rather than in core/store
// so that net/ may carry one (a session's device) without seeing the store.
// Inside the process only: DeviceId and folder IDs are the external names.
// 0 is no row: SQLite never assigns it.
//
// Construction from an integer is explicit and happens where a key comes out
// of the database (or in tests); `.value` is read where one is bound into a
// statement or printed.
#pragma once

#include <compare>
#include <cstdint>
#include <ostream>

namespace shoal {

template <typename Tag>
struct StoreKey {
  constexpr StoreKey() = default;
  constexpr explicit StoreKey(std::int64_t key) : value(key) {}

  friend constexpr bool operator==(StoreKey, StoreKey) = default;
  friend constexpr auto operator<=>(StoreKey, StoreKey) = default;
  // The bare number, as logs printed it before the keys had types.
  friend std::ostream& operator<<(std::ostream& out, StoreKey key) { return out << key.value; }

  std::int64_t value = 0;
};

using FolderKey = StoreKey<struct FolderKeyTag>;
using DeviceKey = StoreKey<struct DeviceKeyTag>;

}  // namespace shoal
