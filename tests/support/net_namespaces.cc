#include "tests/support/net_namespaces.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/base/scoped_fd.h"

namespace shoal::testing {
namespace {

constexpr int kExecFailed = 127;

// A test process killed mid-run (SIGKILL, a closed pipe) cannot delete its
// namespaces; the next run removes those whose owner process is gone.
void DeleteStaleNamespaces() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/var/run/netns", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("shoal-a-") && !name.starts_with("shoal-b-") &&
        !name.starts_with("shoal-l-")) {
      continue;
    }
    const long owner = std::strtol(name.c_str() + 8, nullptr, 10);
    if (owner <= 0 || kill(static_cast<pid_t>(owner), 0) == 0 || errno != ESRCH) continue;
    (void)RunCommand({"ip", "netns", "delete", name});
  }
}

}  // namespace

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool TcpAccepts(const std::string& netns, const std::string& address, int port) {
  if (!netns.empty()) {
    auto child = NamespacePair::RunIn(netns, [&] { return TcpAccepts("", address, port) ? 0 : 1; });
    return child && WaitForChildren({*child}, std::chrono::seconds(5)).front() == 0;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

Result<void> RunCommand(const std::vector<std::string>& argv) {
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Fail(ErrorCode::kIo, "pipe2 failed");
  ScopedFd read_end(err_pipe[0]);
  pid_t pid = fork();
  if (pid < 0) {
    close(err_pipe[1]);
    return Fail(ErrorCode::kIo, "fork failed");
  }
  if (pid == 0) {
    dup2(err_pipe[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(kExecFailed);
  }
  close(err_pipe[1]);
  std::string err;
  char buf[256];
  for (ssize_t n; (n = read(read_end.get(), buf, sizeof(buf))) > 0;) {
    err.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return Fail(ErrorCode::kIo, "waitpid failed");
  std::string command;
  for (const std::string& a : argv) command.append(command.empty() ? "" : " ").append(a);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExecFailed && err.empty()) {
    return Fail(ErrorCode::kNotFound, command.append(": not found"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(ErrorCode::kIo, command.append(": ").append(err));
  }
  return {};
}

Result<std::unique_ptr<NamespacePair>> NamespacePair::Create() {
  if (geteuid() != 0) return Fail(ErrorCode::kUnauthorized, "not running as root");
  DeleteStaleNamespaces();
  const std::string pid = std::to_string(getpid());
  std::unique_ptr<NamespacePair> pair(new NamespacePair("shoal-a-" + pid, "shoal-b-" + pid));
  if (auto made = RunCommand({"ip", "netns", "add", pair->a_}); !made) {
    pair->a_.clear();  // nothing to delete
    return Fail(ErrorCode::kUnauthorized, made.error().message);
  }
  if (auto made = RunCommand({"ip", "netns", "add", pair->b_}); !made) {
    return Fail(ErrorCode::kUnauthorized, made.error().message);
  }
  pair->created_b_ = true;
  // Interface names are at most 15 characters.
  const std::string veth_a = "shva" + pid, veth_b = "shvb" + pid;
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "add", veth_a, "netns", pair->a_, "type", "veth", "peer", "name", veth_b,
       "netns", pair->b_},
      {"ip", "-n", pair->a_, "addr", "add", std::string(kAddressA) + "/24", "dev", veth_a},
      {"ip", "-n", pair->b_, "addr", "add", std::string(kAddressB) + "/24", "dev", veth_b},
      {"ip", "-n", pair->a_, "link", "set", "lo", "up"},
      {"ip", "-n", pair->b_, "link", "set", "lo", "up"},
      // No duplicate-address detection on the fresh veths: otherwise their
      // IPv6 link-local addresses stay "tentative" for about a second after
      // the link comes up, and a test that dials one in that window fails
      // with "address not available" (seen under ASan, where starting up is
      // slow enough to land in it). /proc/sys/net is per namespace; without
      // IPv6 there is nothing to turn off.
      {"ip", "netns", "exec", pair->a_, "sh", "-c",
       "echo 0 2>/dev/null > /proc/sys/net/ipv6/conf/" + veth_a + "/accept_dad || true"},
      {"ip", "netns", "exec", pair->b_, "sh", "-c",
       "echo 0 2>/dev/null > /proc/sys/net/ipv6/conf/" + veth_b + "/accept_dad || true"},
      {"ip", "-n", pair->a_, "link", "set", veth_a, "up"},
      {"ip", "-n", pair->b_, "link", "set", veth_b, "up"},
  };
  for (const auto& step : steps) {
    if (auto ok = RunCommand(step); !ok) return Fail(ErrorCode::kIo, ok.error().message);
  }
  return pair;
}

NamespacePair::~NamespacePair() {
  // Deleting a namespace destroys its end of the veth pair and so the pair.
  if (!a_.empty()) (void)RunCommand({"ip", "netns", "delete", a_});
  if (created_b_) (void)RunCommand({"ip", "netns", "delete", b_});
}

Result<std::unique_ptr<NamespaceLan>> NamespaceLan::Create(int count) {
  if (count < 2 || count > 200) return Fail(ErrorCode::kInvalidArgument, "lan: 2 to 200 hosts");
  if (geteuid() != 0) return Fail(ErrorCode::kUnauthorized, "not running as root");
  DeleteStaleNamespaces();
  std::unique_ptr<NamespaceLan> lan(new NamespaceLan());
  if (auto built = lan->Build(count); !built) return built.error();
  return lan;
}

Result<void> NamespaceLan::Build(int count) {
  const std::string prefix = "shoal-l-" + std::to_string(getpid()) + "-";
  const std::string bridge = prefix + "br";
  if (auto made = RunCommand({"ip", "netns", "add", bridge}); !made) {
    return Fail(ErrorCode::kUnauthorized, made.error().message);
  }
  made_.push_back(bridge);
  std::vector<std::vector<std::string>> steps = {
      {"ip", "-n", bridge, "link", "add", "br0", "type", "bridge"},
      {"ip", "-n", bridge, "link", "set", "br0", "up"},
  };
  for (int i = 0; i < count; ++i) {
    const std::string host = prefix + std::to_string(i), port = "p" + std::to_string(i);
    if (auto made = RunCommand({"ip", "netns", "add", host}); !made) {
      return Fail(ErrorCode::kIo, made.error().message);
    }
    made_.push_back(host);
    hosts_.push_back(host);
    // Interface names are per namespace: every host's is eth0.
    steps.push_back({"ip", "link", "add", "eth0", "netns", host, "type", "veth", "peer", "name",
                     port, "netns", bridge});
    steps.push_back({"ip", "-n", bridge, "link", "set", port, "master", "br0", "up"});
    steps.push_back({"ip", "-n", host, "addr", "add", Address(i) + "/24", "dev", "eth0"});
    steps.push_back({"ip", "-n", host, "link", "set", "lo", "up"});
    steps.push_back({"ip", "-n", host, "link", "set", "eth0", "up"});
  }
  for (const auto& step : steps) {
    if (auto ok = RunCommand(step); !ok) return Fail(ErrorCode::kIo, ok.error().message);
  }
  return {};
}

NamespaceLan::~NamespaceLan() {
  for (const std::string& name : made_) (void)RunCommand({"ip", "netns", "delete", name});
}

Result<pid_t> NamespacePair::RunIn(const std::string& name, const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid < 0) return Fail(ErrorCode::kIo, "fork failed");
  if (pid > 0) return pid;
  std::string path = "/var/run/netns/";
  path.append(name);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(120);
  close(fd);
  _exit(body());
}

std::vector<int> WaitForChildren(const std::vector<pid_t>& children,
                                 std::chrono::milliseconds timeout) {
  std::vector<int> result(children.size(), -1);
  std::vector<bool> done(children.size(), false);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t left = children.size();
  while (left > 0 && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < children.size(); ++i) {
      int status = 0;
      if (done[i] || waitpid(children[i], &status, WNOHANG) != children[i]) continue;
      done[i] = true;
      --left;
      result[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // Polling a child's exit has no event to wait on short of SIGCHLD
    // plumbing; a short nap keeps this loop cheap.
    if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (done[i]) continue;
    kill(children[i], SIGKILL);
    waitpid(children[i], nullptr, 0);
  }
  return result;
}

}  // namespace shoal::testing
