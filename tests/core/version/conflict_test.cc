#include "core/version/conflict.h"

#include "core/base/utf8.h"
#include "core/model/device_id.h"

#include <catch2/catch.hpp>
#include <random>

namespace shoal {
namespace {

constexpr std::int64_t kNov26 = 1'795'700'000LL * 1'000'000'000;  // 2026-11-26 13:33:20 UTC

FileInfo Version(std::int64_t mtime_ns, bool deleted = false) {
  FileInfo f;
  f.name.push_back('x');  // not = "x": g++ 12 -Wrestrict false positive
  f.mtime_ns = mtime_ns;
  f.deleted = deleted;
  return f;
}

}  // namespace

TEST_CASE("conflict copies keep the extension last and carry time and device",
          "[version][conflict]") {
  std::uint64_t device = 0x0102030405060708ull;
  // Built with append: g++ 12 warns falsely (-Wrestrict) on literal + string.
  auto expect = [&](std::string stem, const char* extension) {
    return stem.append(".sync-conflict-20261126-133320-")
        .append(ShortIdString(device))
        .append(extension);
  };
  CHECK(ConflictCopyName("report.pdf", kNov26, device) == expect("report", ".pdf"));
  CHECK(ConflictCopyName("dir/archive.tar.gz", kNov26, device) == expect("dir/archive.tar", ".gz"));
  CHECK(ConflictCopyName("Makefile", kNov26, device) == expect("Makefile", ""));
  CHECK(ConflictCopyName(".bashrc", kNov26, device) == expect(".bashrc", ""));
  CHECK(ConflictCopyName("v1.0/notes", kNov26, device) == expect("v1.0/notes", ""));
}

TEST_CASE("a conflict copy's name leads back to the name it belongs to and names its author",
          "[version][conflict][property]") {
  std::mt19937_64 rng(5);
  const char* names[] = {"a.txt", "dir/b", "x/.hidden", "d.e/f.g.h", "plain", "a b/c d.jpeg"};
  for (int i = 0; i < 2000; ++i) {
    std::string name = names[rng() % std::size(names)];
    const std::uint64_t author = rng();
    std::string copy = ConflictCopyName(name, static_cast<std::int64_t>(rng() >> 2), author);
    INFO(copy);
    CHECK(ConflictOriginalName(copy) == name);
    CHECK(ConflictCopyAuthor(copy) == ShortIdString(author));
  }
  CHECK(ConflictOriginalName("ordinary.txt").empty());
  CHECK(ConflictOriginalName("x.sync-conflict-short").empty());
  CHECK(ConflictCopyAuthor("ordinary.txt").empty());
  CHECK(ConflictCopyAuthor("x.sync-conflict-short").empty());
}

TEST_CASE("the conflict winner is the same whichever side decides", "[version][conflict]") {
  FileInfo older = Version(100);
  FileInfo newer = Version(200);
  FileInfo deleted = Version(300, true);
  CHECK(Wins({newer, 1}, {older, 2}));
  CHECK_FALSE(Wins({older, 2}, {newer, 1}));
  // A delete never beats a modification, even a newer delete.
  CHECK(Wins({older, 1}, {deleted, 2}));
  CHECK_FALSE(Wins({deleted, 2}, {older, 1}));
  // Equal mtimes: the larger device ID wins.
  FileInfo same = Version(200);
  CHECK(Wins({same, 9}, {newer, 3}));
  CHECK_FALSE(Wins({newer, 3}, {same, 9}));

  std::mt19937_64 rng(6);
  for (int i = 0; i < 5000; ++i) {
    FileInfo a = Version(static_cast<std::int64_t>(rng() % 4), rng() % 3 == 0);
    FileInfo b = Version(static_cast<std::int64_t>(rng() % 4), rng() % 3 == 0);
    std::uint64_t da = rng() % 3 + 1;
    std::uint64_t db = da + 1 + rng() % 3;  // distinct devices
    CHECK(Wins({a, da}, {b, db}) != Wins({b, db}, {a, da}));
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE("a conflict copy of a conflict copy leads back to the copy it came from",
          "[version][conflict]") {
  const std::int64_t t1 = 1'800'000'000'000'000'000;
  const std::int64_t t2 = t1 + 86'400'000'000'000;
  for (std::string name : {"d", "dir/report.pdf", ".hidden"}) {
    std::string first = ConflictCopyName(name, t1, 0x1111111111111111ull);
    std::string second = ConflictCopyName(first, t2, 0x2222222222222222ull);
    INFO(first << " -> " << second);
    CHECK(second != first);
    CHECK(ConflictOriginalName(second) == first);
    CHECK(ConflictOriginalName(first) == name);
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE("a conflict copy name keeps its last component within 255 bytes", "[version][conflict]") {
  const std::int64_t when = 1'795'700'000LL * 1'000'000'000;
  SECTION("the stem gives way; the suffix and the extension stay") {
    std::string name = "dir/" + std::string(240, 'n') + ".txt";
    std::string copy = ConflictCopyName(name, when, 0x1234567890abcdefULL);
    std::string last = copy.substr(copy.rfind('/') + 1);
    CHECK(last.size() == 255);
    CHECK(copy.starts_with("dir/nnnn"));
    CHECK(copy.ends_with(".txt"));
    CHECK(copy.find(".sync-conflict-20261126-133320-") != std::string::npos);
    CHECK(copy != ConflictCopyName(name, when, 0xfedcba0987654321ULL));  // still one per device
  }
  SECTION("a multi-byte character is never cut in half") {
    std::string stem;
    while (stem.size() < 250) stem += "\xc3\xa9";  // é, two bytes each
    for (std::string extra : {"", "x"}) {
      std::string copy = ConflictCopyName(extra + stem + ".md", when, 1);
      CHECK(copy.size() <= 255);
      CHECK(copy.size() >= 254);
      CHECK(IsValidUtf8(copy));
    }
  }
  SECTION("an extension too long to keep is shortened with the stem") {
    std::string copy = ConflictCopyName("a." + std::string(250, 'e'), when, 1);
    CHECK(copy.size() == 255);
    CHECK(copy.starts_with("a.eee"));
  }
  SECTION("short names are unchanged") {
    CHECK(ConflictCopyName("a/report.pdf", when, 1).size() < 60);
    CHECK(ConflictOriginalName(ConflictCopyName("a/report.pdf", when, 1)) == "a/report.pdf");
  }
}

}  // namespace shoal
