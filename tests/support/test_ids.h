// Device IDs for store tests: every byte of the key set to `tag`, so each
// tag gives one distinct, readable ID.
#pragma once

#include <cstdint>

#include "core/model/device_id.h"

namespace shoal::testing {

inline DeviceId MakeDeviceId(std::uint8_t tag) {
  DeviceId::Key key{};
  key.fill(tag);
  return DeviceId(key);
}

}  // namespace shoal::testing
