#include "core/model/version_vector.h"

#include <catch2/catch.hpp>
#include <limits>
#include <random>

namespace shoal {
namespace {

// Small device and counter ranges so random vectors often overlap, compare
// equal, or dominate one another: every ordering gets exercised.
VersionVector RandomVector(std::mt19937_64& rng) {
  VersionVector v;
  int n = static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) v.Set(rng() % 6 + 1, rng() % 4);
  return v;
}

Ordering Reverse(Ordering o) {
  if (o == Ordering::kGreater) return Ordering::kLesser;
  if (o == Ordering::kLesser) return Ordering::kGreater;
  return o;
}

bool AtLeast(const VersionVector& a, const VersionVector& b) {
  Ordering o = a.Compare(b);
  return o == Ordering::kEqual || o == Ordering::kGreater;
}

}  // namespace

TEST_CASE("version vectors compare as equal, greater, lesser or concurrent", "[model][vv]") {
  VersionVector a;
  VersionVector b;
  CHECK(a.Compare(b) == Ordering::kEqual);
  a.Set(1, 1);
  CHECK(a.Compare(b) == Ordering::kGreater);
  CHECK(b.Compare(a) == Ordering::kLesser);
  b.Set(2, 1);
  CHECK(a.Compare(b) == Ordering::kConcurrent);
  b.Set(1, 1);
  CHECK(a.Compare(b) == Ordering::kLesser);
}

TEST_CASE("bump sets the counter to max(old + 1, now)", "[model][vv]") {
  VersionVector v;
  v.Bump(7, 1000);
  CHECK(v.Get(7) == 1000);
  v.Bump(7, 1000);  // same second: still strictly increases
  CHECK(v.Get(7) == 1001);
  v.Bump(7, 5);  // clock went backwards: still increases
  CHECK(v.Get(7) == 1002);
  v.Bump(7, 2000);
  CHECK(v.Get(7) == 2000);
  CHECK(v.Get(8) == 0);
}

TEST_CASE("a bump at the largest counter saturates and never wraps to a lesser vector",
          "[model][vv]") {
  VersionVector v;
  v.Set(7, std::numeric_limits<std::uint64_t>::max());
  const VersionVector before = v;
  v.Bump(7, 1000);
  CHECK(v.Get(7) == std::numeric_limits<std::uint64_t>::max());
  CHECK(v.Compare(before) != Ordering::kLesser);
}

TEST_CASE("version vectors beyond the counter or entry bounds are refused", "[model][vv]") {
  VersionVector ok;
  ok.Set(1, kMaxVersionCounter);
  CHECK(ok.CheckBounds());
  VersionVector big;
  big.Set(1, kMaxVersionCounter + 1);
  auto refused = big.CheckBounds();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("above 2^62") != std::string::npos);
  VersionVector wide;
  for (std::uint64_t d = 1; d <= kMaxVersionEntries; ++d) wide.Set(d, 1);
  CHECK(wide.CheckBounds());
  wide.Set(kMaxVersionEntries + 1, 1);
  CHECK_FALSE(wide.CheckBounds());
}

TEST_CASE("compare is antisymmetric and transitive over random vectors", "[model][vv][property]") {
  std::mt19937_64 rng(20);
  for (int i = 0; i < 5000; ++i) {
    VersionVector a = RandomVector(rng);
    VersionVector b = RandomVector(rng);
    VersionVector c = RandomVector(rng);
    INFO("trial " << i);
    CHECK(b.Compare(a) == Reverse(a.Compare(b)));
    CHECK((a.Compare(b) == Ordering::kEqual) == (a == b));
    if (AtLeast(a, b) && AtLeast(b, c)) CHECK(AtLeast(a, c));
    if (a.Compare(b) == Ordering::kGreater && b.Compare(c) == Ordering::kGreater) {
      CHECK(a.Compare(c) == Ordering::kGreater);
    }
  }
}

TEST_CASE("merge is commutative, associative, idempotent and an upper bound",
          "[model][vv][property]") {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 5000; ++i) {
    VersionVector a = RandomVector(rng);
    VersionVector b = RandomVector(rng);
    VersionVector c = RandomVector(rng);
    INFO("trial " << i);
    VersionVector ab = a.Merge(b);
    CHECK(ab == b.Merge(a));
    CHECK(ab.Merge(c) == a.Merge(b.Merge(c)));
    CHECK(a.Merge(a) == a);
    CHECK(AtLeast(ab, a));
    CHECK(AtLeast(ab, b));
    // Least: any upper bound of both dominates the merge.
    if (AtLeast(c, a) && AtLeast(c, b)) CHECK(AtLeast(c, ab));
  }
}

TEST_CASE("a bumped vector is greater than where it came from and than its merge inputs",
          "[model][vv][property]") {
  std::mt19937_64 rng(22);
  for (int i = 0; i < 2000; ++i) {
    VersionVector a = RandomVector(rng);
    VersionVector b = RandomVector(rng);
    VersionVector merged = a.Merge(b);
    merged.Bump(rng() % 6 + 1, rng() % 10);
    CHECK(merged.Compare(a) == Ordering::kGreater);
    CHECK(merged.Compare(b) == Ordering::kGreater);
  }
}

TEST_CASE("version vector encoding round-trips and is canonical", "[model][vv][property]") {
  std::mt19937_64 rng(23);
  for (int i = 0; i < 2000; ++i) {
    VersionVector v;
    int n = static_cast<int>(rng() % 8);
    for (int j = 0; j < n; ++j) v.Set(rng(), rng() >> (rng() % 64));
    Bytes enc = v.Encode();
    auto back = VersionVector::Decode(enc);
    REQUIRE(back);
    CHECK(*back == v);
    CHECK(back->Encode() == enc);
  }
  VersionVector one;
  one.Set(1, 1700000000);
  CHECK(one.Encode().size() == 1 + 8 + 5);  // count, device, 5-byte varint
}

TEST_CASE("version vector decoding rejects malformed bytes", "[model][vv]") {
  VersionVector v;
  v.Set(1, 5);
  v.Set(2, 6);
  Bytes good = v.Encode();
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    CHECK_FALSE(VersionVector::Decode(ByteSpan(good).first(cut)));
  }
  Bytes trailing = good;
  trailing.push_back(0);
  CHECK_FALSE(VersionVector::Decode(trailing));

  Bytes zero_counter = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  CHECK_FALSE(VersionVector::Decode(zero_counter));

  Bytes unsorted = {2, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1};
  CHECK_FALSE(VersionVector::Decode(unsorted));

  Bytes huge_count = {0xff, 0xff, 0xff, 0xff, 0x0f};
  auto r = VersionVector::Decode(huge_count);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kCorrupt);
}

}  // namespace shoal
