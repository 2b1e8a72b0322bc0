#include "core/ignore/ignore_matcher.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

namespace shoal {
namespace {

constexpr bool kDir = true;
constexpr bool kFile = false;
constexpr bool kIgnored = true;
constexpr bool kKept = false;

// One row: the .shoalignore text, a path, whether it is a directory, and the
// expected verdict.
struct Case {
  std::string_view patterns;
  std::string_view path;
  bool is_dir;
  bool ignored;
};

void CheckTable(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    INFO("patterns \"" << c.patterns << "\" path '" << c.path << "'"
                       << (c.is_dir ? " (dir)" : " (file)"));
    auto matcher = IgnoreMatcher::Parse(c.patterns);
    REQUIRE(matcher);
    CHECK(matcher->IsIgnored(c.path, c.is_dir) == c.ignored);
  }
}

std::string ParseError(std::string_view text) {
  auto matcher = IgnoreMatcher::Parse(text);
  if (matcher) return "(parsed)";
  CHECK(matcher.error().code == ErrorCode::kInvalidArgument);
  return matcher.error().message;
}

}  // namespace

TEST_CASE("blank lines, comments and escapes follow gitignore line syntax", "[ignore]") {
  CheckTable({
      {"\n\n   \n", "a", kFile, kKept},
      {"# a.txt", "# a.txt", kFile, kKept},
      {"# a.txt", "a.txt", kFile, kKept},
      {"\\#a", "#a", kFile, kIgnored},
      {"\\!a", "!a", kFile, kIgnored},
      {"\\!a", "a", kFile, kKept},
      {"a  ", "a", kFile, kIgnored},
      {"a\\ ", "a ", kFile, kIgnored},
      {"a\\ ", "a", kFile, kKept},
      {"a\\  ", "a ", kFile, kIgnored},
      {"a\\\\ ", "a\\", kFile, kIgnored},
      {"a\tb", "a\tb", kFile, kIgnored},
      {"one\r\ntwo\r\n", "two", kFile, kIgnored},
      {"\xEF\xBB\xBFone", "one", kFile, kIgnored},
      {"one\ntwo", "two", kFile, kIgnored},
  });
}

TEST_CASE("a pattern without a slash matches the name at any depth", "[ignore]") {
  CheckTable({
      {"*.log", "x.log", kFile, kIgnored},
      {"*.log", "a/b/x.log", kFile, kIgnored},
      {"*.log", "a/b/x.log.txt", kFile, kKept},
      {"node_modules", "web/node_modules", kDir, kIgnored},
      {"node_modules", "web/node_modules/left-pad/index.js", kFile, kIgnored},
      {"build", "src/build", kFile, kIgnored},
      {"a?c", "x/abc", kFile, kIgnored},
      {"Makefile", "makefile", kFile, kKept},
  });
}

TEST_CASE("a leading or middle slash anchors the pattern at the folder root", "[ignore]") {
  CheckTable({
      {"/build", "build", kDir, kIgnored},
      {"/build", "build/out.o", kFile, kIgnored},
      {"/build", "src/build", kDir, kKept},
      {"doc/frotz", "doc/frotz", kFile, kIgnored},
      {"doc/frotz", "a/doc/frotz", kFile, kKept},
      {"doc/*.html", "doc/index.html", kFile, kIgnored},
      {"doc/*.html", "doc/api/index.html", kFile, kKept},
      {"/*.c", "cat-file.c", kFile, kIgnored},
      {"/*.c", "mozilla-sha1/sha1.c", kFile, kKept},
      {"a/b/c", "a/b/c/d", kFile, kIgnored},
      {"a/b/c", "a/b", kDir, kKept},
      {"a/*/c", "a/x/c", kFile, kIgnored},
      {"a/*/c", "a/x/y/c", kFile, kKept},
  });
}

TEST_CASE("a trailing slash matches directories only", "[ignore]") {
  CheckTable({
      {"out/", "out", kDir, kIgnored},
      {"out/", "out", kFile, kKept},
      {"out/", "a/out", kDir, kIgnored},
      {"out/", "a/out/x", kFile, kIgnored},  // its parent is a directory
      {"out/", "a/out/x", kDir, kIgnored},
      {"a/out/", "a/out", kFile, kKept},
      {"a/out/", "a/out", kDir, kIgnored},
      {"*.d/", "x.d", kDir, kIgnored},
      {"*.d/", "x.d", kFile, kKept},
      {"**/", "a", kFile, kKept},
      {"**/", "a/b", kFile, kIgnored},
  });
}

TEST_CASE("double star matches across directories in each position", "[ignore]") {
  CheckTable({
      // Leading "**/": in all directories.
      {"**/foo", "foo", kFile, kIgnored},
      {"**/foo", "a/b/foo", kFile, kIgnored},
      {"**/foo/bar", "foo/bar", kFile, kIgnored},
      {"**/foo/bar", "x/y/foo/bar", kFile, kIgnored},
      {"**/foo/bar", "x/foo/baz", kFile, kKept},
      // Trailing "/**": everything inside, not the directory itself.
      {"abc/**", "abc", kDir, kKept},
      {"abc/**", "abc/x", kFile, kIgnored},
      {"abc/**", "abc/x/y/z", kFile, kIgnored},
      {"abc/**", "x/abc/y", kFile, kKept},
      {"/**", "anything/at/all", kFile, kIgnored},
      // Middle "/**/": zero or more directories.
      {"a/**/b", "a/b", kFile, kIgnored},
      {"a/**/b", "a/x/b", kFile, kIgnored},
      {"a/**/b", "a/x/y/z/b", kFile, kIgnored},
      {"a/**/b", "a/x/y/z/c", kFile, kKept},
      {"a/**/b", "x/a/b", kFile, kKept},
      {"a/**/**/b", "a/b", kFile, kIgnored},
      {"a/**/b/**/c", "a/1/b/2/3/c", kFile, kIgnored},
      {"a/**/*.o", "a/x/y.o", kFile, kIgnored},
      {"a/**/**", "a", kDir, kKept},
      {"a/**/**", "a/x", kFile, kIgnored},
      // Stars that are not a whole segment are ordinary stars.
      {"a/**b", "a/xb", kFile, kIgnored},
      {"a/**b", "a/x/b", kFile, kKept},
      {"**", "a/b", kFile, kIgnored},
  });
}

TEST_CASE("character classes and escapes work inside ignore patterns", "[ignore]") {
  CheckTable({
      {"*.[oa]", "lib/x.o", kFile, kIgnored},
      {"*.[oa]", "lib/x.c", kFile, kKept},
      {"*.[!oa]", "lib/x.c", kFile, kIgnored},
      {"file[0-9]", "file7", kFile, kIgnored},
      {"file[0-9]", "fileX", kFile, kKept},
      {"[]]x", "]x", kFile, kIgnored},
      {"\\*star", "*star", kFile, kIgnored},
      {"\\*star", "xstar", kFile, kKept},
      {"\\[x]", "[x]", kFile, kIgnored},
  });
}

TEST_CASE("the last matching pattern wins, so order decides negation", "[ignore]") {
  CheckTable({
      {"*.log\n!keep.log", "keep.log", kFile, kKept},
      {"*.log\n!keep.log", "a/keep.log", kFile, kKept},
      {"*.log\n!keep.log", "other.log", kFile, kIgnored},
      {"!keep.log\n*.log", "keep.log", kFile, kIgnored},
      {"*.log\n!*.log\n*.log", "x.log", kFile, kIgnored},
      {"!x", "x", kFile, kKept},
      {"out/\n!out", "out", kDir, kKept},
      {"out\n!out/", "out", kFile, kIgnored},  // the negation is for directories only
  });
}

TEST_CASE("a path inside an excluded directory cannot be re-included", "[ignore]") {
  CheckTable({
      {"build/\n!build/keep.txt", "build/keep.txt", kFile, kIgnored},
      {"build\n!build/keep.txt", "build/keep.txt", kFile, kIgnored},
      {"build\n!keep.txt", "build/sub/keep.txt", kFile, kIgnored},
      {"/a\n!/a/b/c", "a/b/c", kFile, kIgnored},
      // Re-including the directory first makes the file reachable again.
      {"build/\n!build/", "build/keep.txt", kFile, kKept},
      // "dir/**" leaves dir itself included, so its direct entries can return.
      {"build/**\n!build/keep.txt", "build/keep.txt", kFile, kKept},
      {"build/**\n!build/sub/keep.txt", "build/sub/keep.txt", kFile, kIgnored},
      // Git's own example: ignore everything except /foo/bar.
      {"/*\n!/foo\n/foo/*\n!/foo/bar", "foo/bar/deep/file", kFile, kKept},
      {"/*\n!/foo\n/foo/*\n!/foo/bar", "foo/other", kFile, kIgnored},
      {"/*\n!/foo\n/foo/*\n!/foo/bar", "top.txt", kFile, kIgnored},
  });
}

TEST_CASE("shoal temp files and the root .shoal directory are always ignored", "[ignore]") {
  IgnoreMatcher none;
  CHECK(none.IsIgnored(".shoal.tmp.report.pdf", kFile));
  CHECK(none.IsIgnored("a/b/.shoal.tmp.x", kFile));
  CHECK(none.IsIgnored(".shoal", kDir));
  CHECK(none.IsIgnored(".shoal/marker", kFile));
  CHECK_FALSE(none.IsIgnored("a/.shoal", kDir));
  CHECK_FALSE(none.IsIgnored(".shoal.tmp", kFile));
  CHECK_FALSE(none.IsIgnored(".shoalignore", kFile));
  CHECK_FALSE(none.IsIgnored("a/b/c.txt", kFile));
  CHECK_FALSE(none.IsIgnored("", kDir));
  CHECK(IgnoreMatcher::IsBuiltinIgnored("x/.shoal.tmp.y"));
  CHECK_FALSE(IgnoreMatcher::IsBuiltinIgnored("x/y"));
  CHECK_FALSE(IgnoreMatcher::IsBuiltinIgnored(""));

  CheckTable({
      {"!.shoal.tmp.*\n!**/.shoal.tmp.x", "a/.shoal.tmp.x", kFile, kIgnored},
      {"!/.shoal\n!.shoal/", ".shoal", kDir, kIgnored},
      {"!.shoal.tmp.*", ".shoal.tmp.x", kFile, kIgnored},
      // .shoalignore syncs like any file, so a user may still exclude it.
      {"*.log", ".shoalignore", kFile, kKept},
      {".shoalignore", ".shoalignore", kFile, kIgnored},
  });
}

TEST_CASE("malformed lines are reported with their line number", "[ignore]") {
  CHECK(ParseError("ok\n# fine\nfoo[ab\n") == "line 3: 'foo[ab': unterminated '['");
  CHECK(ParseError("a\\") == "line 1: 'a\\': trailing backslash escapes nothing");
  CHECK(ParseError("x\r\n!\r\n") == "line 2: '!': empty pattern");
  CHECK(ParseError("/") == "line 1: '/': empty pattern");
  CHECK(ParseError("a//b") == "line 1: 'a//b': empty path segment (\"//\") never matches");
  CHECK(ParseError("a/[z-a]/b") == "line 1: 'a/[z-a]/b': empty range 'z-a'");
  CHECK(ParseError("[[:nope:]]") == "line 1: '[[:nope:]]': unknown character class '[:nope:]'");
  CHECK(ParseError("a\n\nb\n") == "(parsed)");
}

TEST_CASE("pattern count excludes comments and blank lines", "[ignore]") {
  auto matcher = IgnoreMatcher::Parse("# header\n\n*.o\n!keep.o\n   \n/build/\n");
  REQUIRE(matcher);
  CHECK(matcher->pattern_count() == 3);
  CHECK(IgnoreMatcher().pattern_count() == 0);
}

TEST_CASE("deep paths against many patterns are judged in one pass", "[ignore]") {
  // 400 patterns of every kind; a 3,000-component path would take billions of
  // steps if each prefix were re-matched against each pattern.
  std::string text;
  for (int i = 0; i < 100; ++i) {
    std::string n = std::to_string(i);
    text += "name" + n + "\n/root" + n + "/x\n*.ext" + n + "\nd" + n + "/**/e\n";
  }
  text += "!d*/\n";
  auto matcher = IgnoreMatcher::Parse(text);
  REQUIRE(matcher);
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "dir/";
  CHECK_FALSE(matcher->IsIgnored(deep + "file", kFile));
  CHECK(matcher->IsIgnored(deep + "file.ext7", kFile));
  CHECK(matcher->IsIgnored(deep + "name42/file", kFile));
  CHECK(matcher->IsIgnored("d5/" + deep + "e", kFile));
  CHECK(matcher->IsIgnored("d5/" + deep + "e/f", kFile));
  CHECK_FALSE(matcher->IsIgnored("d5/" + deep + "f", kFile));
  CHECK(matcher->IsIgnored("root9/x/" + deep, kDir));
}

}  // namespace shoal
