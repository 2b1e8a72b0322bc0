// Permission policy on real disks (docs/reliability.md): only the 0777
// bits travel; setuid, setgid and sticky never arrive; the owner can always
// read and write what the daemon wrote.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("a setuid file arrives without setuid and a mode-000 file arrives owner-writable",
          "[e2e]") {
  shoal::testing::TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  WriteFile(a.Path("bin/tool"), "#!/bin/sh\necho hi\n");
  REQUIRE(::chmod(a.Path("bin/tool").c_str(), 04755) == 0);
  WriteFile(a.Path("locked.txt"), "nobody may read me");
  REQUIRE(::chmod(a.Path("locked.txt").c_str(), 0) == 0);
  WriteFile(a.Path("tmp/marker"), "in a sticky directory");
  REQUIRE(::chmod(a.Path("tmp").c_str(), 01777) == 0);
  ShareFolder(a, b, "Modes");
  bool arrived = Eventually([&] {
    struct stat st {};
    return ::lstat(b.Path("bin/tool").c_str(), &st) == 0 &&
           ::lstat(b.Path("locked.txt").c_str(), &st) == 0 &&
           ::lstat(b.Path("tmp/marker").c_str(), &st) == 0;
  });
  INFO("A log:\n" << a.log() << "\nB log:\n" << b.log());
  REQUIRE(arrived);
  // The daemon's umask in tests is the test runner's (022 or tighter).
  const unsigned mask = [] {
    mode_t m = ::umask(0);
    ::umask(m);
    return static_cast<unsigned>(m);
  }();
  CHECK(ModeOf(b.Path("bin/tool")) == ((0755u & ~mask) | 0600u));
  CHECK((ModeOf(b.Path("bin/tool")) & 07000) == 0);
  CHECK(ModeOf(b.Path("locked.txt")) == 0600);
  CHECK((ModeOf(b.Path("tmp")) & 07000) == 0);
  // The sender never lost its own bits either.
  CHECK(ModeOf(a.Path("bin/tool")) == 04755);
  a.Stop();
  b.Stop();
}

}  // namespace shoal::e2e
