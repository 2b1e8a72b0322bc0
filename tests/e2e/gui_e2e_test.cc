// The web interface of a real daemon: where it listens, `shoal gui`, and
// what the daemon refuses (docs/user-guide.md "Web interface").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/base/scoped_fd.h"
#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

using shoal::testing::TempDir;

// A socket listening on 127.0.0.1 at a kernel-chosen port; returns the port.
int ListenOnSomePort(ScopedFd& fd) {
  fd = ScopedFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(fd.get(), 1) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("shoal gui prints the web interface's URL with the login token", "[e2e][gui]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.Start();
  const std::string url = a.Status()["gui"]["url"].get<std::string>();
  CHECK(url.starts_with("http://127.0.0.1:"));
  const std::string token = ReadFile(a.home() + "/gui-token");
  REQUIRE(token.size() == 65);  // 64 hex digits and a newline
  ::unsetenv("DISPLAY");
  ::unsetenv("WAYLAND_DISPLAY");
  CliResult r = a.Cli({"gui"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == url + "#token=" + token);
  CHECK(r.err.find("open this URL") != std::string::npos);  // no display: nothing opened
  auto json = a.Json({"gui"});
  CHECK(json["opened"] == false);
  a.Stop();
}

TEST_CASE("a daemon whose --gui address is taken refuses to start", "[e2e][gui]") {
  TempDir dir;
  ScopedFd taken;
  const int port = ListenOnSomePort(taken);
  CliResult r = RunShoal({"--home", dir.File("home"), "daemon", "--listen", "127.0.0.1:0",
                          "--no-discovery", "--gui", "127.0.0.1:" + std::to_string(port)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("web interface") != std::string::npos);
}

TEST_CASE("a daemon with a --gui beyond loopback and no password refuses to start", "[e2e][gui]") {
  TempDir dir;
  CliResult r = RunShoal({"--home", dir.File("home"), "daemon", "--listen", "127.0.0.1:0",
                          "--no-discovery", "--gui", "0.0.0.0:0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("--gui-password") != std::string::npos);
}

TEST_CASE("a daemon with --no-gui says so in status and shoal gui explains", "[e2e][gui]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.set_daemon_args({"--no-gui"});
  a.Start();
  CHECK(a.Status()["gui"]["off"] == "--no-gui");
  CliResult r = a.Cli({"gui"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the web interface is off") != std::string::npos);
  a.Stop();
}

}  // namespace shoal::e2e
