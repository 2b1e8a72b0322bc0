#include "core/base/scoped_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace shoal {
namespace {

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("ScopedFd closes its descriptor exactly once, when it goes", "[base][fd]") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    ScopedFd fd(raw);
    CHECK(fd.valid());
    ScopedFd moved(std::move(fd));
    CHECK_FALSE(fd.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    CHECK(moved.get() == raw);
    CHECK(IsOpen(raw));
  }
  CHECK_FALSE(IsOpen(raw));
}

TEST_CASE("ScopedFd::Release hands the descriptor back unclosed", "[base][fd]") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    ScopedFd fd(raw);
    CHECK(fd.Release() == raw);
  }
  CHECK(IsOpen(raw));
  ::close(raw);
}

TEST_CASE("ScopedFd::Close reports close errors", "[base][fd]") {
  ScopedFd bogus(1000000);  // not an open descriptor: close() fails with EBADF
  auto r = bogus.Close();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK_FALSE(bogus.valid());
  CHECK(bogus.Close().has_value());  // closing twice is a no-op
}

}  // namespace shoal
