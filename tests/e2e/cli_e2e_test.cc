// The CLI as a new user meets it, with real daemons: what a typo in a
// path, a command or an offered folder's label gets back, how devices are
// named in replies, and that every message is one whole line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

bool EndsWithNewline(const std::string& text) { return !text.empty() && text.back() == '\n'; }

// A `shoal` run left going, its stderr read a line at a time while it runs.
struct Running {
  pid_t pid = -1;
  int err = -1;  // read end of its stderr
};

Running StartShoal(const std::vector<std::string>& args) {
  std::vector<std::string> full{SHOAL_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  int err[2];
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err[1], 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err[1]);
  return Running{pid, err[0]};
}

// The next line from `fd` without its newline; "" after 60 s of silence
// (a safety bound so that a broken CLI fails the test instead of hanging it).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60'000) <= 0) return line;
    if (::read(fd, &c, 1) != 1 || c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace

TEST_CASE("folder add refuses a missing path unless --create is given and names the path",
          "[e2e][cli]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.Start();
  const fs::path typo = dir.path() / "Documnts";
  const std::string shown = fs::weakly_canonical(typo).string();
  CliResult refused = a.Cli({"folder", "add", typo.string()});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err == "shoal: " + shown +
                           " does not exist — check the path, or add --create to start syncing a "
                           "new, empty folder there\n");
  CHECK_FALSE(fs::exists(typo));
  CHECK(a.Json({"folder", "list"})["folders"].empty());

  CliResult created = a.Cli({"folder", "add", typo.string(), "--create"});
  CHECK(created.exit_code == 0);
  CHECK(created.out.rfind("created " + shown + "\nadded folder Documnts (", 0) == 0);
  CHECK(fs::is_directory(typo));

  // An existing directory needs no flag, and nothing says it was created.
  CliResult existing = a.Cli({"folder", "add", a.sync_dir()});
  CHECK(existing.exit_code == 0);
  CHECK(existing.out.rfind("added folder sync (", 0) == 0);
  a.Stop();
}

TEST_CASE("folder accept with a mistyped label says at once that it waits and names the offers",
          "[e2e][cli]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  const std::string id = a.Json({"folder", "add", a.sync_dir(), "--label", "Documents"})["id"];
  a.Json({"share", id, "beta"});
  REQUIRE(Eventually([&] { return b.Json({"folder", "offers"})["offers"].size() == 1; }));
  const std::string offers =
      "offered to this device now: Documents (" + id + ") from alpha (" + a.id().substr(0, 7) + ")";
  const std::string target = (dir.path() / "beta-docs").string();

  // Long before a 600 s wait ends, it has said what it waits for.
  Running waiting =
      StartShoal({"--home", b.home(), "folder", "accept", "Documnts", target, "--wait", "600"});
  CHECK(ReadLine(waiting.err) ==
        "no device offers a folder Documnts yet; waiting up to 600 s for it (--wait SECONDS)...");
  CHECK(ReadLine(waiting.err) == offers);
  int status = 0;
  CHECK(::waitpid(waiting.pid, &status, WNOHANG) == 0);  // said while still waiting
  ::kill(waiting.pid, SIGTERM);
  ::waitpid(waiting.pid, &status, 0);
  ::close(waiting.err);

  // When the wait ends, the error names the offers there are.
  CliResult late = b.Cli({"folder", "accept", "Documnts", target, "--wait", "1"});
  CHECK(late.exit_code == 1);
  CHECK(late.err.find("\nshoal: no device offers a folder Documnts") != std::string::npos);
  CHECK(late.err.size() > offers.size());
  CHECK(late.err.substr(late.err.size() - offers.size() - 1) == offers + "\n");
  CHECK_FALSE(fs::exists(target));

  // The right label is accepted into a directory that did not exist yet.
  CliResult accepted = b.Cli({"folder", "accept", "Documents", target});
  CHECK(accepted.exit_code == 0);
  CHECK(accepted.err.empty());  // no offer to wait for: nothing said about waiting
  CHECK(fs::is_directory(target));
  a.Stop();
  b.Stop();
}

TEST_CASE("devices pause and resume and share answer with the device's name", "[e2e][cli]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  const std::string id = b.id();
  const std::string beta = "beta (" + id.substr(0, 7) + ")";

  CliResult paused = a.Cli({"devices", "pause", "beta"});
  CHECK(paused.exit_code == 0);
  CHECK(paused.out == beta + " is paused; nothing syncs with it until `shoal devices resume`\n");
  CliResult resumed = a.Cli({"devices", "resume", id});
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out == beta + " is resumed; syncing with it again\n");

  const std::string folder = a.Json({"folder", "add", a.sync_dir()})["id"];
  CliResult shared = a.Cli({"share", folder, id});
  CHECK(shared.out == folder + " is now shared with " + beta + "\n");
  CliResult unshared = a.Cli({"unshare", folder, "beta"});
  CHECK(unshared.out == folder + " is no longer shared with " + beta + "\n");

  CliResult removed = a.Cli({"devices", "remove", "beta"});
  CHECK(removed.out == beta + " is removed; pair again to sync with it\n");
  for (const CliResult* r : {&paused, &resumed, &shared, &unshared, &removed}) {
    CHECK(r->out.find(id) == std::string::npos);  // never the raw 63-character ID
  }
  a.Stop();
  b.Stop();
}

TEST_CASE("an unknown command gets the shoal: prefix and exit code 2", "[e2e][cli]") {
  CliResult unknown = RunShoal({"frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err == "shoal: frobnicate is not a command — `shoal --help` lists the commands\n");

  CliResult nested = RunShoal({"folder", "ad", "/tmp"});
  CHECK(nested.exit_code == 2);
  CHECK(nested.err ==
        "shoal: ad is not a `shoal folder` command — they are: add, remove, list, offers, accept, "
        "resume\n");

  CliResult extra = RunShoal({"--home", "/nonexistent", "status", "now"});
  CHECK(extra.exit_code == 2);
  CHECK(extra.err ==
        "shoal: the following argument was not expected: now — see `shoal status --help`\n");
}

TEST_CASE("every message is whole lines and every error starts with shoal:", "[e2e][cli]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  using Args = std::vector<std::string>;
  for (const Args& args : {Args{"status"}, Args{"status", "--watch"}, Args{"devices"},
                           Args{"folder", "list"}, Args{"shutdown"}}) {
    CliResult r = a.Cli(args);
    INFO("no daemon: shoal " << args[0] << " -> " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.rfind("shoal: the daemon is not running", 0) == 0);
    CHECK(EndsWithNewline(r.err));
  }
  for (const Args& args : {Args{"folder"}, Args{"folder", "ad", "x"}, Args{"status", "--bogus"},
                           Args{"devices", "pause"}, Args{"pair", "a", "b"}}) {
    CliResult r = a.Cli(args);
    INFO("usage: shoal " << args[0] << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("shoal: ", 0) == 0);
    CHECK(EndsWithNewline(r.err));
  }
  a.Start();
  for (const Args& args :
       {Args{"status"}, Args{"devices"}, Args{"folder", "list"}, Args{"folder", "offers"},
        Args{"conflicts"}, Args{"rescan"}, Args{"id"}, Args{"internet"}, Args{"--help"},
        Args{"help"}, Args{"help", "folder"}, Args{"--version"}}) {
    CliResult r = a.Cli(args);
    INFO("shoal " << args[0] << " -> " << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(EndsWithNewline(r.out));
    CHECK(r.err.empty());
  }
  a.Stop();
}

}  // namespace shoal::e2e
