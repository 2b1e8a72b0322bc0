#include "core/base/temp_name.h"

#include <catch2/catch.hpp>

#include "core/ignore/ignore_matcher.h"

namespace shoal {

TEST_CASE("temp names sit beside their target, stay under 255 bytes, and are ignored",
          "[base][pull]") {
  CHECK(TempNameFor("a.txt") == ".shoal.tmp.a.txt");
  CHECK(TempNameFor("dir/sub/a.txt") == "dir/sub/.shoal.tmp.a.txt");
  const std::string long_base(250, 'x');
  const std::string long_temp = TempNameFor("d/" + long_base);
  CHECK(long_temp.starts_with("d/.shoal.tmp."));
  CHECK(long_temp.size() - 2 <= 255);
  CHECK(long_temp != TempNameFor("d/" + std::string(250, 'y')));  // named by a hash
  for (const std::string& name :
       {std::string("a.txt"), std::string("dir/sub/a.txt"), "d/" + long_base}) {
    const std::string temp = TempNameFor(name);
    CHECK(IsTempName(temp.substr(temp.rfind('/') + 1)));
    CHECK(IgnoreMatcher::IsBuiltinIgnored(temp));
  }
  CHECK_FALSE(IsTempName("a.shoal.tmp.x"));
  CHECK_FALSE(IsTempName(".shoal.tm"));
}

}  // namespace shoal
