#include "core/version/global_version.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <vector>

namespace shoal {
namespace {

VersionVector Vector(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> entries) {
  VersionVector v;
  for (auto [device, counter] : entries) v.Set(device, counter);
  return v;
}

}  // namespace

TEST_CASE("last modifier is the device with the largest counter", "[version][global]") {
  CHECK(LastModifier(VersionVector()) == 0);
  CHECK(LastModifier(Vector({{1, 5}, {2, 9}, {3, 7}})) == 2);
  CHECK(LastModifier(Vector({{1, 9}, {2, 9}})) == 2);  // tie: larger device
}

TEST_CASE("the device that bumped a version last is its last modifier even within one second",
          "[version][global][property]") {
  // Two devices edit the same version within the same second: neither
  // counter may tie with the other's at `now`.
  VersionVector original;
  original.Bump(0xA, 1000);
  VersionVector by_b = original;
  by_b.Bump(0x1, 1000);
  CHECK(LastModifier(by_b) == 0x1);
  CHECK(by_b.Compare(original) == Ordering::kGreater);

  std::mt19937_64 rng(1404);
  for (int i = 0; i < 3000; ++i) {
    VersionVector v;
    const int n = static_cast<int>(rng() % 6);
    for (int j = 0; j < n; ++j) v.Set(rng() % 8 + 1, rng() % 3000 + 1);
    const VersionVector before = v;
    const std::uint64_t device = rng() % 8 + 1;
    v.Bump(device, rng() % 3000);
    INFO("round " << i);
    CHECK(LastModifier(v) == device);
    CHECK(v.Compare(before) == Ordering::kGreater);
    CHECK(v.CheckBounds());
  }
}

TEST_CASE("a bump rises above a far-ahead counter only up to an hour past its clock",
          "[version][global]") {
  // A peer whose clock (or claim) runs far ahead does not drag this
  // device's counters along: they stay within what it echoes back as its own.
  VersionVector v = Vector({{2, kMaxVersionCounter}});
  v.Bump(1, 1000);
  CHECK(v.Get(1) == 1000 + kMaxBumpLeadSeconds);
  CHECK(v.CheckBounds());
  VersionVector near = Vector({{2, 1000 + 600}});
  near.Bump(1, 1000);
  CHECK(near.Get(1) == 1000 + 601);
  CHECK(LastModifier(near) == 1);
}

TEST_CASE("a dominating version is global whatever its mtime", "[version][global]") {
  VersionVector old_v = Vector({{1, 1}});
  VersionVector new_v = Vector({{1, 1}, {2, 2}});
  std::vector<VersionCandidate> c = {{&old_v, false, 900}, {&new_v, false, 100}};
  CHECK(PickGlobal(c) == 1);
  std::vector<VersionCandidate> deleted = {{&old_v, false, 900}, {&new_v, true, 100}};
  CHECK(PickGlobal(deleted) == 1);  // a delete that saw the modification wins
}

TEST_CASE("concurrent versions: modification beats delete, then mtime, then device",
          "[version][global]") {
  VersionVector a = Vector({{1, 10}});
  VersionVector b = Vector({{2, 10}});
  std::vector<VersionCandidate> delete_vs_edit = {{&a, true, 999}, {&b, false, 1}};
  CHECK(PickGlobal(delete_vs_edit) == 1);
  std::vector<VersionCandidate> newer = {{&a, false, 5}, {&b, false, 6}};
  CHECK(PickGlobal(newer) == 1);
  std::vector<VersionCandidate> tie = {{&b, false, 6}, {&a, false, 6}};
  CHECK(PickGlobal(tie) == 0);  // device 2 > device 1
}

TEST_CASE("the global pick does not depend on the order devices are listed",
          "[version][global][property]") {
  std::mt19937_64 rng(20261126);
  for (int round = 0; round < 2000; ++round) {
    int n = 2 + static_cast<int>(rng() % 4);
    std::vector<VersionVector> versions(static_cast<std::size_t>(n));
    std::vector<VersionCandidate> candidates;
    for (auto& v : versions) {
      for (std::uint64_t d = 1; d <= 3; ++d) {
        if (rng() % 2) v.Set(d, 1 + rng() % 3);
      }
      if (v.empty()) v.Set(1, 1);
    }
    // Equal vectors name the same version, so its fields follow from it.
    for (auto& v : versions) {
      Bytes encoded = v.Encode();
      std::uint64_t h = std::hash<std::string>()(std::string(encoded.begin(), encoded.end()));
      candidates.push_back({&v, h % 4 == 0, static_cast<std::int64_t>((h >> 8) % 3)});
    }
    const VersionCandidate first = candidates[PickGlobal(candidates)];
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      std::shuffle(candidates.begin(), candidates.end(), rng);
      const VersionCandidate& again = candidates[PickGlobal(candidates)];
      INFO("round " << round);
      // The same version (or an equal one with the same fields) wins.
      CHECK(*again.version == *first.version);
      CHECK(again.deleted == first.deleted);
      CHECK(again.mtime_ns == first.mtime_ns);
    }
    // No candidate dominates the winner.
    for (const auto& c : candidates) {
      CHECK(c.version->Compare(*first.version) != Ordering::kGreater);
    }
  }
}

TEST_CASE("identical content needs no conflict copy", "[version][global]") {
  FileInfo a;
  a.name = "x";
  a.blocks = {BlockRef{10, Hash128{}}};
  FileInfo b = a;
  CHECK(SameContentOrNothingToKeep(a, b));
  b.blocks[0].size = 11;
  CHECK_FALSE(SameContentOrNothingToKeep(a, b));
  FileInfo tomb = a;
  tomb.deleted = true;
  CHECK(SameContentOrNothingToKeep(tomb, b));  // nothing of a's to keep
  CHECK_FALSE(SameContentOrNothingToKeep(a, tomb));
  FileInfo dir;
  dir.type = FileType::kDirectory;
  CHECK(SameContentOrNothingToKeep(dir, b));
  FileInfo link;
  link.type = FileType::kSymlink;
  link.symlink_target = "t";
  FileInfo link2 = link;
  CHECK(SameContentOrNothingToKeep(link, link2));
  link2.symlink_target = "u";
  CHECK_FALSE(SameContentOrNothingToKeep(link, link2));
}

}  // namespace shoal
