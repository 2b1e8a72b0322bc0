// Attacks by strangers who can reach the port but hold no paired key
// (issue 15): connections that never finish a handshake.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "tests/hostile/victim.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Holds `count` TCP connections to 127.0.0.1:port from 127.0.0.2 and up
// (`sources` addresses), sending nothing and reading nothing but EOF. A
// connection the victim closes is opened again a second later, until
// Stop(). Runs on its own thread.
class Flood {
 public:
  Flood(int port, int count, int sources) : port_(port), count_(count), sources_(sources) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Flood() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int opened() const { return opened_; }
  int open_now() const { return open_now_; }

 private:
  int Open(int i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000002u + static_cast<std::uint32_t>(i % sources_));
    ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<std::uint16_t>(port_));
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote));
    ++opened_;
    return fd;
  }

  void Run() {
    std::vector<pollfd> fds(static_cast<std::size_t>(count_));
    std::vector<Clock::time_point> reopen_at(fds.size(), Clock::now());
    for (auto& p : fds) p = {-1, POLLIN, 0};
    while (!stop_) {
      const auto now = Clock::now();
      int open = 0;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].fd < 0 && now >= reopen_at[i]) fds[i].fd = Open(static_cast<int>(i));
        open += fds[i].fd >= 0 ? 1 : 0;
      }
      open_now_ = open;
      ::poll(fds.data(), fds.size(), 100);
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char byte;
        if (::recv(fds[i].fd, &byte, 1, 0) > 0) continue;  // never sent, but harmless
        ::close(fds[i].fd);
        fds[i].fd = -1;
        reopen_at[i] = Clock::now() + 1s;
      }
    }
    for (auto& p : fds) {
      if (p.fd >= 0) ::close(p.fd);
    }
  }

  const int port_;
  const int count_;
  const int sources_;
  std::atomic<bool> stop_{false};
  std::atomic<int> opened_{0};
  std::atomic<int> open_now_{0};
  std::thread thread_;
};

TEST_CASE("hostile: 2000 unauthenticated connections held for 60 s do not keep an honest peer out",
          "[hostile]") {
  // The victim runs with the fd limit a service manager gives it by
  // default, and cannot raise it: only the caps can keep it below.
  constexpr long kFdLimit = 1024;
  Scene scene([](e2e::TestDevice& victim) { victim.set_open_file_limit(kFdLimit, kFdLimit); });
  // The honest device is away when the flood starts, and comes back
  // during it.
  scene.honest().Kill9();
  const auto start = Clock::now();
  Flood flood(scene.victim().port(), 2000, 100);
  // The scene's watch samples the victim's fds and status all along.
  std::this_thread::sleep_for(5s);
  scene.honest().Start();
  // Synced both ways with the honest device, status answered in time,
  // nothing lost: during the flood.
  scene.ExpectUnharmed();
  const auto synced_after = Clock::now() - start;
  std::this_thread::sleep_until(start + 60s);
  const int opened = flood.opened();
  const int open_at_end = flood.open_now();
  flood.Stop();
  const WatchSummary seen = scene.watched();
  WARN("flood: " << opened << " connections opened, " << open_at_end
                 << " open at the end; victim fds at most " << seen.max_fds << " of " << kFdLimit
                 << ", status at most " << seen.max_status_ms
                 << " ms, synced with the honest device "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(synced_after).count()
                 << " ms after the flood began");
  CHECK(seen.max_fds < kFdLimit / 2);
  CHECK(seen.unanswered == 0);
  CHECK(seen.max_status_ms < 1000);
  CHECK(scene.Logged("dropped in their handshake"));
  scene.ExpectUnharmed();
}

}  // namespace
}  // namespace shoal::hostile
