// A fresh index with a local device, a peer and one folder, and the small
// helpers the store tests share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/index.h"
#include "tests/support/temp_dir.h"

namespace shoal::testing {

// A 16-byte hash drawn from `seed`: the same seed, the same hash.
Hash128 MakeHash(std::uint64_t seed);

// The first column of the first row of `query` (test-only SQL).
std::int64_t Scalar(Index& index, const char* query);

struct StoreFixture {
  StoreFixture();

  TempDir dir;
  std::string path;
  Index index;
  DeviceKey local;
  DeviceKey peer;
  FolderRecord folder;

  void Put(DeviceKey device, FileInfo f);
  // The names the local device needs, in name order.
  std::vector<std::string> NeededNames();
};

}  // namespace shoal::testing
