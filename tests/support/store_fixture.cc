#include "tests/support/store_fixture.h"

#include <catch2/catch.hpp>
#include <random>
#include <utility>

#include "tests/support/test_ids.h"

namespace shoal::testing {

Hash128 MakeHash(std::uint64_t seed) {
  Hash128 h;
  std::mt19937_64 rng(seed);
  for (auto& b : h.bytes) b = static_cast<std::uint8_t>(rng());
  return h;
}

std::int64_t Scalar(Index& index, const char* query) {
  auto stmt = index.db().Prepare(query);
  REQUIRE(stmt);
  REQUIRE((*stmt)->Step().value());
  std::int64_t n = (*stmt)->ColumnInt(0);
  (*stmt)->Reset();
  return n;
}

StoreFixture::StoreFixture()
    : path(dir.File("index.db")),
      index(Index::Open(path).value()),
      local(index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value()),
      peer(index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value()),
      folder(index.AddFolder({{}, "docs", "/data/docs", ""}).value()) {}

void StoreFixture::Put(DeviceKey device, FileInfo f) {
  std::vector<FileInfo> batch{std::move(f)};
  REQUIRE(index.PutFiles(folder.key, device, batch));
}

std::vector<std::string> StoreFixture::NeededNames() {
  auto needed = index.ListNeeded(folder.key, "", 1000);
  REQUIRE(needed);
  std::vector<std::string> out;
  for (const GlobalFile& g : *needed) out.push_back(g.file.name);
  return out;
}

}  // namespace shoal::testing
