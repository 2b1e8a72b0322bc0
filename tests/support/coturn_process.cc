#include "tests/support/coturn_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/net_namespaces.h"

namespace shoal::testing {

Result<std::unique_ptr<CoturnProcess>> CoturnProcess::Start(CoturnOptions options) {
  if (::access("/usr/bin/turnserver", X_OK) != 0) {
    return Fail(ErrorCode::kNotFound, "turnserver is not installed (packaging/install-deps.sh)");
  }
  if (options.port == 0) options.port = options.netns.empty() ? FreeLoopbackPort() : 3478;
  std::unique_ptr<CoturnProcess> server(new CoturnProcess(std::move(options)));
  if (auto launched = server->Launch(); !launched) return launched.error();
  return server;
}

Result<void> CoturnProcess::Launch() {
  const CoturnOptions& o = options_;
  std::vector<std::string> args;
  if (!o.netns.empty()) args = {"ip", "netns", "exec", o.netns};
  std::vector<std::string> server{"turnserver",
                                  "-c",
                                  "/dev/null",
                                  "-n",
                                  "-v",
                                  "--listening-ip=" + o.address,
                                  "--relay-ip=" + o.address,
                                  "--listening-port=" + std::to_string(o.port),
                                  "--min-port=" + std::to_string(o.min_port),
                                  "--max-port=" + std::to_string(o.max_port),
                                  "--realm=shoal.test",
                                  "--no-tls",
                                  "--no-dtls",
                                  "--no-cli",
                                  "--no-udp",
                                  "--fingerprint",
                                  "--no-software-attribute",
                                  "--no-multicast-peers",
                                  "--userdb=" + o.dir + "/turndb",
                                  "--log-file=" + o.dir + "/turn.log",
                                  "--simple-log",
                                  "--pidfile=" + o.dir + "/turn.pid"};
  if (o.static_user.empty()) {
    server.push_back("--use-auth-secret");
    server.push_back("--static-auth-secret=" + o.secret);
  } else {
    server.push_back("--lt-cred-mech");
    server.push_back("--user=" + o.static_user);
  }
  if (o.stale_nonce_s > 0) server.push_back("--stale-nonce=" + std::to_string(o.stale_nonce_s));
  if (o.allow_loopback_peers) server.push_back("--allow-loopback-peers");
  args.insert(args.end(), server.begin(), server.end());
  pid_t pid = ::fork();
  if (pid < 0) return Fail(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Fail(ErrorCode::kIo, "turnserver exited at start: " + log());
    }
    if (TcpAccepts(o.netns, o.address, o.port)) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Fail(ErrorCode::kIo, "turnserver did not start listening: " + log());
}

CoturnProcess::~CoturnProcess() { Stop(); }

void CoturnProcess::Stop() {
  if (pid_ <= 0) return;
  // Through `ip netns exec` the child is turnserver itself (exec replaces).
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Result<void> CoturnProcess::Restart() {
  Stop();
  return Launch();
}

std::string CoturnProcess::Url(const std::string& user) const {
  return "turn://" + user + ":" + options_.secret + "@" + options_.address + ":" +
         std::to_string(options_.port);
}

std::string CoturnProcess::log() const {
  std::ifstream in(options_.dir + "/turn.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace shoal::testing
