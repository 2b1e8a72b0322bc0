#include "core/version/name_check.h"

#include <catch2/catch.hpp>
#include <random>

namespace shoal {

TEST_CASE("ordinary relative names from peers are accepted", "[version][names]") {
  for (const char* name :
       {"a", "dir/file.txt", "deep/er/still/x", "caf\xc3\xa9/\xf0\x9f\x90\x9f", ".hidden", "..dots",
        "a/...", "name with spaces", "back\\slash", ".shoalignore", "sub/.shoal"}) {
    INFO(name);
    CHECK(CheckRemoteName(name).has_value());
  }
}

TEST_CASE("names that could escape the folder or confuse the disk are refused",
          "[version][names]") {
  const std::string nul_name("a\0b", 3);
  const std::string long_component(256, 'x');
  const std::string long_name = std::string(4000, 'a') + "/" + std::string(200, 'b');
  struct Row {
    std::string name;
    const char* why;
  };
  const Row rows[] = {
      {"", "empty"},
      {"/etc/passwd", "absolute"},
      {"..", "'..'"},
      {"../x", "'..'"},
      {"a/../../x", "'..'"},
      {"a/..", "'..'"},
      {"./a", "'.'"},
      {"a//b", "empty path component"},
      {"a/", "empty path component"},
      {nul_name, "NUL"},
      {"bad\xff", "UTF-8"},
      {"\xc0\xaf..", "UTF-8"},  // overlong '/' must not sneak a separator in
      {long_component, "255"},
      {long_name, "4096"},
      {".shoal.tmp.x", "reserved"},
      {"dir/.shoal.tmp.report.pdf", "reserved"},
      {".shoal/state", "reserved"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    auto r = CheckRemoteName(row.name);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.error().message, Catch::Contains(row.why));
  }
}

TEST_CASE("no accepted name has a '..' or empty component (random names)",
          "[version][names][property]") {
  std::mt19937_64 rng(404);
  const char alphabet[] = {'a', '.', '/', '\\', 'Z', '\0'};
  for (int i = 0; i < 20000; ++i) {
    std::string name;
    std::size_t len = rng() % 12;
    for (std::size_t j = 0; j < len; ++j) name.push_back(alphabet[rng() % sizeof(alphabet)]);
    if (!CheckRemoteName(name)) continue;
    INFO(name);
    CHECK(name.front() != '/');
    CHECK(name.back() != '/');
    CHECK(name.find('\0') == std::string::npos);
    CHECK(name.find("//") == std::string::npos);
    CHECK(("/" + name + "/").find("/../") == std::string::npos);
    CHECK(("/" + name + "/").find("/./") == std::string::npos);
  }
}

}  // namespace shoal

namespace shoal {

TEST_CASE("symlink targets from peers must stay inside the folder", "[version][names]") {
  for (auto [name, target] :
       std::vector<std::pair<std::string, std::string>>{{"link", "x.txt"},
                                                        {"link", "b/z"},
                                                        {"link", "./b/../c"},
                                                        {"a/link", "../b/z"},
                                                        {"a/b/link", "../../top"},
                                                        {"a/link", "c/../../x"}}) {
    INFO(name << " -> " << target);
    CHECK(CheckSymlinkTarget(name, target));
  }
  for (auto [name, target] :
       std::vector<std::pair<std::string, std::string>>{{"link", ""},
                                                        {"link", "/etc/passwd"},
                                                        {"link", "../outside"},
                                                        {"link", "b/../../outside"},
                                                        {"a/link", "../../outside"},
                                                        {"a/b/link", "../x/../../../y"},
                                                        {"link", std::string("a\0b", 3)},
                                                        {"link", std::string(4096, 'x')}}) {
    INFO(name << " -> " << target);
    auto refused = CheckSymlinkTarget(name, target);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kInvalidArgument);
  }
}

}  // namespace shoal
