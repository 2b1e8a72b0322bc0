#include "tests/support/discosrv_process.h"

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

Result<std::unique_ptr<DiscosrvProcess>> DiscosrvProcess::Start(DiscosrvOptions options) {
  if (::access("/usr/bin/stdiscosrv", X_OK) != 0) {
    return Fail(ErrorCode::kNotFound,
                "stdiscosrv is not installed (syncthing-discosrv, packaging/install-deps.sh)");
  }
  if (options.port == 0) options.port = options.netns.empty() ? FreeLoopbackPort() : 8443;
  std::unique_ptr<DiscosrvProcess> server(new DiscosrvProcess(std::move(options)));
  auto identity = net::RendezvousIdentity::Generate();
  if (!identity) return identity.error();
  server->identity_ = std::move(*identity);
  const DiscosrvOptions& o = server->options_;
  std::ofstream(o.dir + "/disco.key") << server->identity_.key_pem;
  std::ofstream(o.dir + "/disco.crt") << server->identity_.cert_pem;
  std::vector<std::string> args;
  if (!o.netns.empty()) args = {"ip", "netns", "exec", o.netns};
  for (std::string a : std::vector<std::string>{
           "stdiscosrv", "-listen=" + o.address + ":" + std::to_string(o.port),
           "-cert=" + o.dir + "/disco.crt", "-key=" + o.dir + "/disco.key",
           "-db-dir=" + o.dir + "/disco.db", std::string("-replication-listen=")}) {
    args.push_back(std::move(a));
  }
  pid_t pid = ::fork();
  if (pid < 0) return Fail(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    int log = ::open((o.dir + "/disco.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  server->pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return Fail(ErrorCode::kIo, "stdiscosrv exited at start: " + server->log());
    }
    if (TcpAccepts(o.netns, o.address, o.port)) return server;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Fail(ErrorCode::kIo, "stdiscosrv did not start listening: " + server->log());
}

DiscosrvProcess::~DiscosrvProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string DiscosrvProcess::Url() const {
  return "https://" + options_.address + ":" + std::to_string(options_.port) +
         "/?id=" + net::RendezvousIdText(identity_.id);
}

std::string DiscosrvProcess::log() const {
  std::ifstream in(options_.dir + "/disco.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace shoal::testing
