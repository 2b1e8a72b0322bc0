// <home>/gui-token: created 0600 once, then kept.
#include "cli/gui/gui_token.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace shoal::cli {

TEST_CASE("gui: the login token is created 0600 in the home and then kept", "[gui]") {
  shoal::testing::TempDir home;
  ::umask(0);  // the file's mode must not depend on the umask
  auto token = LoadOrCreateGuiToken(home.path().string());
  ::umask(022);
  REQUIRE(token);
  CHECK(token->size() == 64);
  struct stat st {};
  REQUIRE(::stat(GuiTokenPath(home.path().string()).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = LoadOrCreateGuiToken(home.path().string());
  REQUIRE(again);
  CHECK(*again == *token);
  CHECK(*ReadGuiToken(home.path().string()) == *token);
  shoal::testing::TempDir other;
  CHECK(*LoadOrCreateGuiToken(other.path().string()) != *token);
}

}  // namespace shoal::cli
