#include "core/sync/sent_block_lists.h"

#include <catch2/catch.hpp>

namespace shoal {

TEST_CASE("sent block lists keep the newest within the budget, replacing by name",
          "[sync][delta]") {
  SentBlockLists sent(100);
  VersionVector v1, v2;
  v1.Set(1, 1);
  v2.Set(1, 2);
  sent.Remember("a", v1, std::vector<BlockRef>(40));
  sent.Remember("b", v1, std::vector<BlockRef>(40));
  sent.Remember("a", v2, std::vector<BlockRef>(30));  // replaces a: 70 held
  REQUIRE(sent.Find("a"));
  CHECK(sent.Find("a")->version == v2);
  CHECK(sent.Find("a")->blocks.size() == 30);
  sent.Remember("c", v1, std::vector<BlockRef>(40));  // 110: the oldest, b, goes
  CHECK_FALSE(sent.Find("b"));
  CHECK(sent.Find("a"));
  CHECK(sent.Find("c"));
  sent.Remember("huge", v1, std::vector<BlockRef>(101));  // over the whole budget
  CHECK_FALSE(sent.Find("huge"));
  CHECK(sent.Find("c"));
  // Many replacements of one name do not grow anything unboundedly, and the
  // name stays found.
  for (int i = 0; i < 10000; ++i) sent.Remember("a", v1, std::vector<BlockRef>(1));
  CHECK(sent.Find("a"));
  CHECK(sent.Find("c"));
}

}  // namespace shoal
