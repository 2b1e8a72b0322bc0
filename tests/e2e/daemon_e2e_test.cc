// One or two real daemons: how they stop, what they refuse, and what they
// must not do (echo pulled files back as their own changes).
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "core/model/device_id.h"
#include "core/store/index.h"
#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

}  // namespace

TEST_CASE("SIGTERM stops the daemon with exit 0 and a restart resumes", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.Start();
  auto added = a.Json({"folder", "add", a.sync_dir(), "--label", "Kept"});
  WriteFile(a.Path("note.txt"), "hello");
  a.Json({"rescan"});
  int status = a.Terminate();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(fs::exists(a.home() + "/control.sock"));  // closed cleanly
  a.Start();
  auto folders = a.Json({"folder", "list"})["folders"];
  REQUIRE(folders.size() == 1);
  CHECK(folders[0]["id"] == added["id"]);
  CHECK(folders[0]["files"].get<int>() == 1);
  a.Stop();
}

TEST_CASE("status answers while a large scan hashes and shows its progress", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.Start();
  // 1 GiB, sparse: no disk space, but every byte is read and hashed.
  const std::int64_t size = std::int64_t{1} << 30;
  WriteFile(a.Path("big.img"), "");
  fs::resize_file(a.Path("big.img"), static_cast<std::uintmax_t>(size));
  a.Json({"folder", "add", a.sync_dir(), "--label", "Big"});
  nlohmann::json seen;
  auto start = std::chrono::steady_clock::now();
  REQUIRE(Eventually(
      [&] {
        auto folder = a.Status()["folders"][0];
        if (folder.contains("scan")) seen = folder;
        return folder["files"].get<int>() == 1 && folder["state"] != "scanning";
      },
      std::chrono::seconds(300)));
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("1 GiB sparse file scanned in " << took << " s");
  REQUIRE_FALSE(seen.is_null());  // status answered mid-scan, with progress
  CHECK(seen["state"] == "scanning");
  CHECK(seen["scan"]["bytes_total"].get<std::int64_t>() == size);
  CHECK(seen["scan"]["files_total"] == 1);
  CHECK(seen["scan"]["bytes_done"].get<std::int64_t>() <= size);
  a.Stop();
}

TEST_CASE("bad requests get one clear error each and the daemon stays up", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");

  // No daemon yet: exit code 3 and how to start one.
  CliResult none = a.Cli({"status"});
  CHECK(none.exit_code == 3);
  CHECK(none.err.find("shoal daemon") != std::string::npos);

  a.Start();
  // The home itself, through a symlink: refused, nothing created.
  fs::create_directory_symlink(a.home(), dir.path() / "home-link");
  CliResult home = a.Cli({"folder", "add", (dir.path() / "home-link/inner").string()});
  CHECK(home.exit_code == 1);
  CHECK(home.err.find("home") != std::string::npos);
  CHECK_FALSE(fs::exists(a.home() + "/inner"));

  // A folder inside another one, named through a symlink.
  a.Json({"folder", "add", a.sync_dir()});
  fs::create_directory_symlink(a.sync_dir(), dir.path() / "sync-link");
  CliResult nested = a.Cli({"folder", "add", (dir.path() / "sync-link/sub").string()});
  CHECK(nested.exit_code == 1);
  CHECK(nested.err.find("overlaps") != std::string::npos);

  // Fields of the wrong type, from any local program.
  auto seed = a.RawRequest(R"({"id":1,"cmd":"folder-add","path":")" + dir.path().string() +
                           R"(/x","hash_seed":"no"})");
  CHECK(seed["ok"] == false);
  CHECK(seed["error"]["code"] == "invalid_argument");
  CHECK_FALSE(fs::exists(dir.path() / "x"));
  auto join = a.RawRequest(R"({"id":2,"cmd":"pair-join","code":7,"timeout_seconds":"x"})");
  CHECK(join["ok"] == false);
  auto unknown = a.RawRequest(R"({"id":3,"cmd":"format-disk"})");
  CHECK(unknown["ok"] == false);
  CHECK(unknown["error"]["code"] == "not_found");

  CHECK(a.Cli({"status"}).exit_code == 0);
  a.Stop();
}

TEST_CASE("files pulled from a peer are not announced again as the puller's own changes", "[e2e]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  Pair(a, b);
  for (int i = 0; i < 20; ++i) WriteFile(a.Path("dir/f" + std::to_string(i)), "from alpha");
  const std::string folder = ShareFolder(a, b, "Echo");
  REQUIRE(Eventually([&] { return Tree(a.sync_dir()) == Tree(b.sync_dir()); },
                     std::chrono::seconds(60)));
  const std::uint64_t alpha = DeviceId::Parse(a.id())->ShortId();
  const std::uint64_t beta = DeviceId::Parse(b.id())->ShortId();
  // Give beta's watcher time to see its own writes, then look at its index.
  b.Json({"rescan"});
  b.Stop();
  auto index = Index::Open(b.home() + "/index.db");
  REQUIRE(index);
  auto record = index->FindFolder(folder);
  REQUIRE(record);
  REQUIRE(*record);
  for (int i = 0; i < 20; ++i) {
    auto global = index->GetGlobal((*record)->key, "dir/f" + std::to_string(i));
    REQUIRE(global);
    REQUIRE(*global);
    CHECK((*global)->file.version.Get(alpha) > 0);
    CHECK((*global)->file.version.Get(beta) == 0);  // beta changed nothing
  }
  a.Stop();
}

}  // namespace shoal::e2e

namespace shoal::e2e {
namespace {

// A subscribed control connection: collects event lines until a deadline.
class Subscriber {
 public:
  explicit Subscriber(const std::string& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(socket_path.size() < sizeof(address.sun_path));
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    const std::string request = "{\"id\": 1, \"cmd\": \"subscribe\"}\n";
    REQUIRE(::write(fd_, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  }
  ~Subscriber() { ::close(fd_); }

  // Every line received within `duration`, parsed.
  std::vector<nlohmann::json> Collect(std::chrono::milliseconds duration) {
    std::vector<nlohmann::json> lines;
    const auto deadline = std::chrono::steady_clock::now() + duration;
    std::string pending;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        lines.push_back(nlohmann::json::parse(pending.substr(0, nl)));
        pending.erase(0, nl + 1);
      }
    }
    return lines;
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("folder events are coalesced to one per 250 ms and none when nothing changed", "[e2e]") {
  shoal::testing::TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  a.Start();
  auto added = a.Json({"folder", "add", a.sync_dir(), "--label", "Events"});
  REQUIRE(Eventually([&] { return a.Status()["folders"][0]["state"] == "idle"; }));
  Subscriber events(a.home() + "/control.sock");
  // 300 files written one by one: many watcher batches, scans and passes.
  for (int i = 0; i < 300; ++i) WriteFile(a.Path("f" + std::to_string(i)), std::to_string(i));
  std::vector<nlohmann::json> folder_events;
  auto settled = [&] {
    if (folder_events.empty()) return false;
    const nlohmann::json& folder = folder_events.back()["folder"];
    return folder["files"].get<int>() == 300 && folder["state"] == "idle";
  };
  // Until the folder has all 300 files and is idle (a slow machine takes
  // longer), keeping every folder event on the way.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!settled() && std::chrono::steady_clock::now() < deadline) {
    for (const nlohmann::json& line : events.Collect(std::chrono::milliseconds(500))) {
      if (line.value("event", "") == "folder") folder_events.push_back(line);
    }
  }
  REQUIRE(settled());
  // At most one per 250 ms, by the daemon's own publish times (`unix_ms`),
  // so how late each one was delivered does not matter; 50 ms of slack for
  // the loop's cached clock. Uncoalesced, every scan and pull pass sent one.
  for (std::size_t i = 1; i < folder_events.size(); ++i) {
    const std::int64_t gap = folder_events[i]["unix_ms"].get<std::int64_t>() -
                             folder_events[i - 1]["unix_ms"].get<std::int64_t>();
    INFO("events " << i - 1 << " and " << i << " of " << folder_events.size());
    CHECK(gap >= 200);
  }
  // Quiet folder: nothing more is published.
  CHECK(events.Collect(std::chrono::milliseconds(1500)).empty());
  a.Stop();
}

}  // namespace shoal::e2e
