#include "tests/hostile/victim.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t Field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream fields(line.substr(key.size()));
    std::int64_t value = 0;
    fields >> value;
    return value;
  }
  return -1;
}

// The memory controller's hierarchy: cgroup v2 (unified, with "memory" in
// cgroup.controllers) or v1's memory mount.
std::pair<std::string, bool> MemoryHierarchy() {
  if (ReadText("/sys/fs/cgroup/cgroup.controllers").find("memory") != std::string::npos) {
    return {"/sys/fs/cgroup", true};
  }
  if (fs::exists("/sys/fs/cgroup/memory/cgroup.procs")) return {"/sys/fs/cgroup/memory", false};
  return {"", false};
}

bool Alive(pid_t pid) {
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, WNOHANG) == 0;
}

// One status round trip over a control socket with no test macros (it runs
// on the watch's thread): how long it took, or nothing when it could not
// connect or got no answer within `timeout`.
std::optional<std::chrono::milliseconds> ProbeStatus(const std::string& socket_path,
                                                     std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  if (socket_path.size() >= sizeof(address.sun_path)) return std::nullopt;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval limit{};
  limit.tv_sec = timeout.count() / 1000;
  limit.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  const auto start = std::chrono::steady_clock::now();
  const std::string request = "{\"id\":1,\"cmd\":\"status\"}\n";
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    std::string reply;
    char chunk[4096];
    ssize_t got = 0;
    while (reply.find('\n') == std::string::npos && (got = ::read(fd, chunk, sizeof(chunk))) > 0) {
      reply.append(chunk, static_cast<std::size_t>(got));
    }
    answered = reply.find("\"result\"") != std::string::npos;
  }
  ::close(fd);
  if (!answered) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

std::string ControlSocket(const e2e::TestDevice& device) { return device.home() + "/control.sock"; }

// The byte seed behind Mallory's identity: fixed, so its device ID is too.
net::Identity MakeMallory() {
  Bytes seed(net::Identity::kSeedSize, 0x4d);
  auto identity = net::Identity::FromSeed(seed);
  REQUIRE(identity);
  return std::move(*identity);
}

}  // namespace

MemoryCage::MemoryCage(pid_t pid, std::int64_t bytes) {
  auto [root, v2] = MemoryHierarchy();
  INFO("no usable memory cgroup: the victim cannot be caged");
  REQUIRE(!root.empty());
  v2_ = v2;
  static int serial = 0;
  dir_ = root + "/shoal-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
  REQUIRE(::mkdir(dir_.c_str(), 0755) == 0);
  const std::string limit = std::to_string(bytes);
  if (v2_) {
    REQUIRE(WriteText(dir_ + "/memory.max", limit));
    WriteText(dir_ + "/memory.swap.max", "0");
  } else {
    REQUIRE(WriteText(dir_ + "/memory.limit_in_bytes", limit));
  }
  REQUIRE(WriteText(dir_ + "/cgroup.procs", std::to_string(pid)));
}

MemoryCage::~MemoryCage() {
  // A cgroup can only be removed once empty; the victim has been stopped.
  for (int i = 0; i < 50 && ::rmdir(dir_.c_str()) != 0; ++i) ::usleep(20'000);
}

std::int64_t MemoryCage::limit_hits() const {
  if (v2_) return Field(ReadText(dir_ + "/memory.events"), "max ");
  return Field(ReadText(dir_ + "/memory.failcnt"), "");
}

ProcSample Sample(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  ProcSample sample;
  const std::string status = ReadText(proc + "/status");
  sample.peak_rss_kib = Field(status, "VmHWM:");
  sample.rss_kib = Field(status, "VmRSS:");
  std::error_code error;
  for (auto it = fs::directory_iterator(proc + "/fd", error); it != fs::directory_iterator();
       it.increment(error)) {
    if (error) break;
    ++sample.fds;
  }
  const std::string io = ReadText(proc + "/io");
  sample.read_bytes = Field(io, "read_bytes:");
  sample.rchar = Field(io, "rchar:");
  return sample;
}

std::chrono::milliseconds StatusLatency(const e2e::TestDevice& device) {
  return ProbeStatus(ControlSocket(device), 60s).value_or(std::chrono::milliseconds::max());
}

VictimWatch::VictimWatch(pid_t pid, std::string control_socket)
    : pid_(pid), control_socket_(std::move(control_socket)), thread_([this] { Run(); }) {}

VictimWatch::~VictimWatch() {
  stop_ = true;
  thread_.join();
}

WatchSummary VictimWatch::summary() const {
  std::lock_guard lock(mutex_);
  return summary_;
}

void VictimWatch::Run() {
  while (!stop_) {
    const int fds = Sample(pid_).fds;
    const auto status = ProbeStatus(control_socket_, 5s);
    {
      std::lock_guard lock(mutex_);
      summary_.max_fds = std::max(summary_.max_fds, fds);
      if (status) {
        ++summary_.probes;
        summary_.max_status_ms = std::max<std::int64_t>(summary_.max_status_ms, status->count());
      } else {
        ++summary_.unanswered;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
}

const net::Identity& MalloryIdentity() {
  static const net::Identity mallory = MakeMallory();
  return mallory;
}

Scene::Scene(const std::function<void(e2e::TestDevice&)>& configure,
             const std::string& victim_disk) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in a 256 MiB quarantine, which would read as
  // growth to the memory checks; the daemons inherit a small one.
  static const bool small_quarantine = [] {
    const char* options = std::getenv("ASAN_OPTIONS");
    std::string all = options ? std::string(options) + ":" : std::string();
    all += "quarantine_size_mb=8:thread_local_quarantine_size_kb=64";
    return ::setenv("ASAN_OPTIONS", all.c_str(), 1) == 0;
  }();
  (void)small_quarantine;
#endif
  const std::string base = dir_.path().string();
  victim_ = std::make_unique<e2e::TestDevice>(base, "victim");
  honest_ = std::make_unique<e2e::TestDevice>(base, "honest");
  if (configure) configure(*victim_);
  if (!victim_disk.empty()) {
    disk_ = std::make_unique<testing::Tmpfs>(victim_->sync_dir(), victim_disk);
    INFO("mounting a tmpfs for the victim's folder: " << disk_->error());
    REQUIRE(disk_->mounted());
  }
  e2e::WriteFile(victim_->Path("before-the-attack.txt"), "written before the attack\n");
  victim_->Start();
  cage_ = std::make_unique<MemoryCage>(victim_->pid(), kVictimMemoryLimit);
  honest_->Start();
  e2e::Pair(*victim_, *honest_);
  folder_ = e2e::ShareFolder(*victim_, *honest_, "docs");
  REQUIRE(e2e::Eventually([&] { return fs::exists(honest_->Path("before-the-attack.txt")); }));
  victim_->Json({"devices", "add", mallory_id(), "--name", "mallory"});
  victim_->Json({"share", folder_, "mallory"});
  peak_rss_before_kib_ = Sample(victim_->pid()).peak_rss_kib;
  watch_ = std::make_unique<VictimWatch>(victim_->pid(), ControlSocket(*victim_));
}

Scene::~Scene() {
  watch_.reset();
  if (victim_->running()) victim_->Kill9();
  if (honest_->running()) honest_->Kill9();
  cage_.reset();
}

std::string Scene::mallory_id() const { return MalloryIdentity().device_id().ToString(); }

std::unique_ptr<HostilePeer> Scene::Mallory() {
  auto peer = HostilePeer::Connect(MalloryIdentity(), "127.0.0.1", victim_->port());
  INFO((peer ? "" : peer.error().message));
  REQUIRE(peer);
  auto shared = (*peer)->ShareBack(10s);
  INFO((shared ? "" : shared.error().message));
  REQUIRE(shared);
  return std::move(*peer);
}

void Scene::ExpectUnharmed(std::chrono::milliseconds status_limit) {
  // One read: the daemon may log between two reads of its log.
  const std::string log = victim_->log();
  INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  REQUIRE(Alive(victim_->pid()));
  const auto latency = StatusLatency(*victim_);
  INFO("status took " << latency.count() << " ms");
  CHECK(latency < status_limit);
  CHECK(e2e::ReadFile(victim_->Path("before-the-attack.txt")) == "written before the attack\n");
  ++round_;
  const std::string to_honest = "after-" + std::to_string(round_) + "-from-victim.txt";
  const std::string to_victim = "after-" + std::to_string(round_) + "-from-honest.txt";
  e2e::WriteFile(victim_->Path(to_honest), "victim\n");
  e2e::WriteFile(honest_->Path(to_victim), "honest\n");
  CHECK(e2e::Eventually([&] { return fs::exists(honest_->Path(to_honest)); }, 60s));
  CHECK(e2e::Eventually([&] { return fs::exists(victim_->Path(to_victim)); }, 60s));
  const WatchSummary seen = watch_->summary();
  WARN("victim: VmHWM " << Sample(victim_->pid()).peak_rss_kib / 1024 << " MiB ("
                        << peak_rss_before_kib_ / 1024 << " MiB before the attack), fds at most "
                        << seen.max_fds << ", status at most " << seen.max_status_ms << " ms over "
                        << seen.probes << " probes (" << seen.unanswered
                        << " unanswered), status now " << latency.count() << " ms");
}

bool Scene::Logged(const std::string& text) const {
  return victim_->log().find(text) != std::string::npos;
}

}  // namespace shoal::hostile
