#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "core/store/index.h"
#include "core/version/global_version.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ids.h"

namespace shoal {
namespace {

using testing::MakeDeviceId;

FileInfo Entry(const std::string& name, std::uint64_t device, std::uint64_t counter,
               std::int64_t sequence, bool deleted = false) {
  FileInfo f;
  f.name = name;
  f.mtime_ns = static_cast<std::int64_t>(counter);
  f.deleted = deleted;
  f.version.Set(device, counter);
  f.sequence = sequence;
  return f;
}

struct Fixture {
  testing::TempDir dir;
  Index index = Index::Open(dir.File("index.db")).value();
  DeviceKey local = index.PutDevice({{}, MakeDeviceId(1), "here", "", true, false}).value();
  DeviceKey peer = index.PutDevice({{}, MakeDeviceId(2), "there", "", false, false}).value();
  DeviceKey third = index.PutDevice({{}, MakeDeviceId(3), "third", "", false, false}).value();
  FolderRecord folder = index.AddFolder({{}, "docs", "/data/docs", ""}).value();

  void Put(DeviceKey device, FileInfo f) {
    std::vector<FileInfo> batch{std::move(f)};
    REQUIRE(index.PutFiles(folder.key, device, batch));
  }
  std::vector<std::string> NeededNames() {
    auto needed = index.ListNeeded(folder.key, "", 1000);
    REQUIRE(needed);
    std::vector<std::string> out;
    for (const GlobalFile& g : *needed) out.push_back(g.file.name);
    return out;
  }
};

}  // namespace

TEST_CASE("a peer's newer version becomes global and needed, pulling it clears the need",
          "[store][global]") {
  Fixture fx;
  fx.Put(fx.local, Entry("a", 1, 5, 0));
  CHECK(fx.NeededNames().empty());
  CHECK(fx.index.GetGlobal(fx.folder.key, "a").value()->device_key == fx.local);

  FileInfo newer = Entry("a", 1, 5, 1);
  newer.version.Set(2, 6);
  fx.Put(fx.peer, newer);
  CHECK(fx.NeededNames() == std::vector<std::string>{"a"});
  auto global = fx.index.GetGlobal(fx.folder.key, "a").value();
  REQUIRE(global);
  CHECK(global->device_key == fx.peer);
  CHECK(global->file.version == newer.version);
  CHECK(fx.index.CountNeeded(fx.folder.key).value().names == 1);

  fx.Put(fx.local, newer);  // applied locally with the same version
  CHECK(fx.NeededNames().empty());
  CHECK(fx.index.GetGlobal(fx.folder.key, "a").value()->device_key == fx.local);
  auto holders = fx.index.DevicesWithVersion(fx.folder.key, "a", newer.version).value();
  CHECK(holders == std::vector<DeviceKey>{fx.local, fx.peer});
}

TEST_CASE("an older peer version is ignored, a tombstone for a name we never had is not needed",
          "[store][global]") {
  Fixture fx;
  FileInfo mine = Entry("a", 1, 5, 0);
  mine.version.Set(2, 3);
  fx.Put(fx.local, mine);
  fx.Put(fx.peer, Entry("a", 2, 3, 1));  // dominated by ours
  CHECK(fx.NeededNames().empty());
  fx.Put(fx.peer, Entry("gone", 2, 4, 2, /*deleted=*/true));
  CHECK(fx.NeededNames().empty());
  CHECK(fx.index.GetGlobal(fx.folder.key, "gone").value()->file.deleted);
}

TEST_CASE("forgetting a device's entries recomputes the names it covered", "[store][global]") {
  Fixture fx;
  fx.Put(fx.peer, Entry("a", 2, 3, 1));
  CHECK(fx.NeededNames() == std::vector<std::string>{"a"});
  std::vector<std::string> names{"a"};
  REQUIRE(fx.index.DeleteFiles(fx.folder.key, fx.peer, names));
  CHECK(fx.NeededNames().empty());
  CHECK_FALSE(fx.index.GetGlobal(fx.folder.key, "a").value().has_value());

  fx.Put(fx.third, Entry("b", 3, 3, 1));
  CHECK(fx.NeededNames() == std::vector<std::string>{"b"});
  REQUIRE(fx.index.RemoveDevice(fx.third));
  CHECK(fx.NeededNames().empty());
}

TEST_CASE("incremental global state equals a from-scratch computation after random updates",
          "[store][global][property]") {
  Fixture fx;
  DeviceKey devices[] = {fx.local, fx.peer, fx.third};
  std::mt19937_64 rng(424242);
  std::map<DeviceKey, std::int64_t> sequence;
  // What each device holds, kept beside the store as the reference.
  std::map<std::pair<DeviceKey, std::string>, FileInfo> held;
  for (int step = 0; step < 600; ++step) {
    DeviceKey device = devices[rng() % 3];
    std::string name = "f" + std::to_string(rng() % 12);
    if (rng() % 10 == 0) {
      std::vector<std::string> names{name};
      REQUIRE(fx.index.DeleteFiles(fx.folder.key, device, names));
      held.erase({device, name});
      continue;
    }
    FileInfo f;
    f.name = name;
    f.deleted = rng() % 5 == 0;
    f.mtime_ns = static_cast<std::int64_t>(rng() % 4);
    for (std::uint64_t d = 1; d <= 3; ++d) {
      if (rng() % 2) f.version.Set(d, 1 + rng() % 4);
    }
    if (f.version.empty()) f.version.Set(1, 1);
    f.sequence = ++sequence[device];
    fx.Put(device, f);
    if (device == fx.local) f.sequence = 0;  // reassigned by the store; not compared
    held[{device, name}] = f;
  }
  for (int i = 0; i < 12; ++i) {
    std::string name = "f" + std::to_string(i);
    std::vector<VersionCandidate> candidates;
    std::vector<DeviceKey> owners;
    for (DeviceKey d : devices) {
      auto it = held.find({d, name});
      if (it == held.end()) continue;
      candidates.push_back({&it->second.version, it->second.deleted, it->second.mtime_ns});
      owners.push_back(d);
    }
    auto global = fx.index.GetGlobal(fx.folder.key, name).value();
    INFO(name);
    if (candidates.empty()) {
      CHECK_FALSE(global.has_value());
      continue;
    }
    REQUIRE(global);
    const VersionCandidate& expected = candidates[PickGlobal(candidates)];
    CHECK(global->file.version == *expected.version);
    CHECK(global->file.deleted == expected.deleted);
    auto local = held.find({fx.local, name});
    bool expect_need =
        local == held.end() ? !expected.deleted : local->second.version != *expected.version;
    auto needed = fx.NeededNames();
    bool needed_here = std::find(needed.begin(), needed.end(), name) != needed.end();
    CHECK(needed_here == expect_need);
  }
  // One global row per name that any device holds, in name order.
  std::vector<std::string> globals;
  REQUIRE(fx.index.ForEachGlobal(fx.folder.key, [&](GlobalFile&& g) {
    globals.push_back(g.file.name);
    return true;
  }));
  std::vector<std::string> held_names;
  for (const auto& [key, f] : held) held_names.push_back(key.second);
  std::sort(held_names.begin(), held_names.end());
  held_names.erase(std::unique(held_names.begin(), held_names.end()), held_names.end());
  CHECK(globals == held_names);
}

}  // namespace shoal

namespace shoal {

TEST_CASE("live global entries beneath a directory are found, tombstones and siblings are not",
          "[store][global]") {
  Fixture fx;
  fx.Put(fx.peer, Entry("d/gone", 2, 3, 1, /*deleted=*/true));
  fx.Put(fx.peer, Entry("d-sibling", 2, 3, 2));
  fx.Put(fx.peer, Entry("d", 2, 3, 3));
  CHECK_FALSE(fx.index.HasLiveGlobalUnder(fx.folder.key, "d").value());
  fx.Put(fx.third, Entry("d/sub/kept", 3, 4, 1));
  CHECK(fx.index.HasLiveGlobalUnder(fx.folder.key, "d").value());
  CHECK(fx.index.HasLiveGlobalUnder(fx.folder.key, "d/sub").value());
  CHECK_FALSE(fx.index.HasLiveGlobalUnder(fx.folder.key, "d/sub/kept").value());
}

}  // namespace shoal
