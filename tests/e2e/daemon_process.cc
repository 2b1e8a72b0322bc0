#include "tests/e2e/daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace shoal::e2e {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Reads `out` and `err` to their ends into `result`, then reaps `pid`.
void Collect(pid_t pid, int out, int err, CliResult& result);

}  // namespace

CliResult RunShoal(const std::vector<std::string>& args, const std::string* input) {
  std::vector<std::string> full{SHOAL_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  int out[2];
  int err[2];
  int in[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (input) {
      ::dup2(in[0], 0);
    } else {
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);  // not a terminal: nothing may prompt
    }
    auto argv = Argv(full);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  ::close(in[0]);
  // Small inputs fit in the pipe's buffer: written whole before reading.
  if (input) REQUIRE(::write(in[1], input->data(), input->size()) == ssize_t(input->size()));
  ::close(in[1]);
  CliResult result;
  Collect(pid, out[0], err[0], result);
  return result;
}

namespace {

void Collect(pid_t pid, int out, int err, CliResult& result) {
  pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    ::poll(fds, 2, -1);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ShoalProcess::ShoalProcess(const std::vector<std::string>& args) {
  std::vector<std::string> full{SHOAL_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  int out[2];
  int err[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);  // not a terminal: nothing may prompt
    auto argv = Argv(full);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_ = out[0];
  err_ = err[0];
}

ShoalProcess::~ShoalProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  CliResult ignored;
  Collect(pid_, out_, err_, ignored);
}

std::string ShoalProcess::ReadLine() {
  std::string line;
  char c;
  while (::read(out_, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

CliResult ShoalProcess::Finish() {
  CliResult result;
  Collect(pid_, out_, err_, result);
  pid_ = -1;
  return result;
}

TestDevice::TestDevice(const std::string& base_dir, const std::string& name, std::string netns)
    : name_(name),
      netns_(std::move(netns)),
      home_(base_dir + "/" + name + "/home"),
      sync_(base_dir + "/" + name + "/sync") {
  std::filesystem::create_directories(sync_);
}

TestDevice::~TestDevice() {
  if (pid_ > 0) Kill9();
}

void TestDevice::Start() {
  REQUIRE(pid_ <= 0);
  std::filesystem::create_directories(home_);
  // The first start lets the kernel choose a port; restarts keep it, so
  // peers that recorded the address still reach a restarted device.
  const std::string port = std::to_string(listen_port_);
  std::vector<std::string> args{SHOAL_BINARY,  "--home",   home_,
                                "daemon",      "--listen", "127.0.0.1:" + port,
                                "--name",      name_,      "--no-discovery",
                                "--log-level", "debug"};
  if (!netns_.empty()) {
    args = {"ip",     "netns", "exec",        netns_,     SHOAL_BINARY,
            "--home", home_,   "daemon",      "--listen", "0.0.0.0:" + port,
            "--name", name_,   "--log-level", "debug"};
  }
  args.insert(args.end(), daemon_args_.begin(), daemon_args_.end());
  // Many daemons run at once: each web interface on a port of its own.
  const bool gui_chosen = std::any_of(daemon_args_.begin(), daemon_args_.end(),
                                      [](auto& a) { return a == "--gui" || a == "--no-gui"; });
  if (!gui_chosen) args.insert(args.end(), {"--gui", "127.0.0.1:0"});
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int log = ::open((home_ + "/../daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(log, 2);
    ::dup2(log, 1);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    // A test process that dies (a crash, an abort) takes its daemons along.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (nofile_.first >= 0) {
      const rlimit limit{static_cast<rlim_t>(nofile_.first), static_cast<rlim_t>(nofile_.second)};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    auto argv = Argv(args);
    ::execvp(argv[0], argv.data());  // `ip netns exec` replaces itself with the daemon
    ::_exit(127);
  }
  pid_ = pid;
  bool up = Eventually([&] {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;  // exited: reported below
    }
    return Cli({"status"}).exit_code == 0;
  });
  INFO(log());
  REQUIRE(up);
  REQUIRE(pid_ > 0);
  if (listen_port_ == 0) listen_port_ = this->port();
}

void TestDevice::Stop() {
  REQUIRE(pid_ > 0);
  CliResult r = Cli({"shutdown"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  int status = 0;
  bool exited = Eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; });
  INFO(log());
  REQUIRE(exited);
  pid_ = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

void TestDevice::Kill9() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int TestDevice::Terminate() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool exited = Eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; });
  INFO(log());
  REQUIRE(exited);
  pid_ = -1;
  return status;
}

nlohmann::json TestDevice::RawRequest(const std::string& line) const {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = home_ + "/control.sock";
  REQUIRE(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = line + "\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') reply.push_back(c);
  ::close(fd);
  if (reply.empty()) return nullptr;
  return nlohmann::json::parse(reply);
}

CliResult TestDevice::Cli(std::vector<std::string> args) const {
  args.insert(args.begin(), {"--home", home_});
  return RunShoal(args);
}

CliResult TestDevice::CliWithInput(std::vector<std::string> args, const std::string& input) const {
  args.insert(args.begin(), {"--home", home_});
  return RunShoal(args, &input);
}

nlohmann::json TestDevice::Json(std::vector<std::string> args) const {
  args.push_back("--json");
  CliResult r = Cli(args);
  INFO("shoal " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

int TestDevice::port() const { return Status()["device"]["listen_port"].get<int>(); }

std::string TestDevice::id() const { return Status()["device"]["id"].get<std::string>(); }

std::string TestDevice::log() const { return ReadFile(home_ + "/../daemon.log"); }

void Pair(TestDevice& a, TestDevice& b, bool over_lan) {
  // The inviter's `shoal pair` prints the code first and keeps waiting.
  std::vector<std::string> full{SHOAL_BINARY, "--home", a.home(), "pair", "--json"};
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    auto argv = Argv(full);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') text.push_back(c);
  auto invite = nlohmann::json::parse(text);
  std::string code = invite["code"].get<std::string>();
  if (!over_lan) code += "@127.0.0.1:" + std::to_string(a.port());
  nlohmann::json joined = b.Json({"pair", code});
  std::string rest;
  while (::read(out[0], &c, 1) == 1) rest.push_back(c);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  auto paired = nlohmann::json::parse(rest);
  CHECK(paired["device"] == b.id());
  CHECK(joined["device"] == a.id());
  CHECK(paired["comparison_code"] == joined["comparison_code"]);
}

std::string ShareFolder(TestDevice& a, TestDevice& b, const std::string& label) {
  auto added = a.Json({"folder", "add", a.sync_dir(), "--label", label});
  std::string id = added["id"].get<std::string>();
  a.Json({"share", id, b.id()});
  b.Json({"folder", "accept", id, b.sync_dir()});
  return id;
}

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

bool WaitConverged(const TestDevice& a, const TestDevice& b) {
  auto nothing_needed = [](const TestDevice& d) {
    const auto status = d.Status();
    for (const auto& f : status["folders"]) {
      if (f["need"].get<int>() != 0) return false;
    }
    return true;
  };
  return Eventually(
      [&] {
        return Tree(a.sync_dir()) == Tree(b.sync_dir()) && nothing_needed(a) && nothing_needed(b);
      },
      std::chrono::seconds(60));
}

std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> tree;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    // Skip temp files first, and name entries lexically: the puller renames
    // them away while we walk (relative() would canonicalise a vanished path).
    if (it->path().filename().string().rfind(".shoal.tmp.", 0) == 0) continue;
    std::string name = it->path().lexically_relative(root).string();
    if (name == ".shoal") {  // per-device state (versions): never synced
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) {
      tree[name] = "link:" + std::filesystem::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      tree[name] = "dir";
    } else {
      tree[name] = ReadFile(it->path().string());
    }
  }
  return tree;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::map<std::string, std::string> PullFailures(const TestDevice& d) {
  std::map<std::string, std::string> out;
  const auto status = d.Status();
  for (const auto& f : status["folders"]) {
    if (!f.contains("failures")) continue;
    for (const auto& x : f["failures"]) out[x["path"]] = x["reason"];
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace shoal::e2e
