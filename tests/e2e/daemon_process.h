// End-to-end test support: real `shoal` processes. A TestDevice is one
// device: a home directory, a synced directory, a daemon process listening
// on 127.0.0.1 (kernel-chosen port, no LAN discovery) and the CLI run
// against it. Waiting is always "until a condition holds, or a generous
// deadline": never a fixed sleep standing in for a result.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace shoal::e2e {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `shoal ARGS...` and waits for it. Its stdin is /dev/null (not a
// terminal: nothing may prompt), or a pipe carrying `input` when given.
CliResult RunShoal(const std::vector<std::string>& args, const std::string* input = nullptr);

// `shoal ARGS...` left running, e.g. an inviting `shoal pair` that prints
// its code and waits; stdin is /dev/null, stderr is kept for Finish().
class ShoalProcess {
 public:
  explicit ShoalProcess(const std::vector<std::string>& args);
  ~ShoalProcess();  // kills it if Finish() was not called
  ShoalProcess(const ShoalProcess&) = delete;
  ShoalProcess& operator=(const ShoalProcess&) = delete;
  // The next line of its stdout (without the newline); empty at EOF.
  std::string ReadLine();
  // Waits for the exit; the rest of stdout, all of stderr, the exit code.
  CliResult Finish();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

class TestDevice {
 public:
  // With `netns`, the daemon runs inside that network namespace, listens on
  // all its addresses and has LAN discovery on (the CLI still reaches it:
  // the control socket is a file).
  TestDevice(const std::string& base_dir, const std::string& name, std::string netns = {});
  ~TestDevice();  // kills the daemon if it still runs

  // Arguments added to `shoal daemon` from the next Start() on.
  void set_daemon_args(std::vector<std::string> args) { daemon_args_ = std::move(args); }
  // The daemon's RLIMIT_NOFILE (soft, hard) from the next Start() on, as a
  // service manager would set it; unset, it inherits the test's.
  void set_open_file_limit(long soft, long hard) { nofile_ = {soft, hard}; }
  void Start();  // and waits until its control socket answers
  void Stop();   // `shoal shutdown`, then waits for the exit (must be 0)
  void Kill9();  // SIGKILL, no goodbye
  // SIGTERM, then waits for the exit; returns its wait status.
  int Terminate();
  // Sends one raw line over the control socket and returns the reply line
  // parsed (a null JSON if the daemon closed without answering).
  nlohmann::json RawRequest(const std::string& line) const;
  bool running() const { return pid_ > 0; }
  // The daemon's process ID (valid while running()).
  pid_t pid() const { return pid_; }

  CliResult Cli(std::vector<std::string> args) const;  // with --home
  // The same with `input` on its stdin (a pipe, not a terminal).
  CliResult CliWithInput(std::vector<std::string> args, const std::string& input) const;
  nlohmann::json Json(std::vector<std::string> args) const;  // --json, must succeed
  nlohmann::json Status() const { return Json({"status"}); }
  int port() const;
  std::string id() const;
  const std::string& home() const { return home_; }
  const std::string& sync_dir() const { return sync_; }
  std::string Path(const std::string& name) const { return sync_ + "/" + name; }
  std::string log() const;  // the daemon's stderr so far

 private:
  std::string name_;
  std::string netns_;
  std::string home_;
  std::string sync_;
  std::vector<std::string> daemon_args_;
  std::pair<long, long> nofile_{-1, -1};
  pid_t pid_ = -1;
  int listen_port_ = 0;  // chosen by the kernel at the first start, kept after
};

// Pairs `a` and `b` through `shoal pair` (a invites, b joins with
// CODE@127.0.0.1:port, or the bare CODE when `over_lan`: b must find a by
// LAN discovery); both must report the same comparison code.
void Pair(TestDevice& a, TestDevice& b, bool over_lan = false);
// Adds a folder on `a`, shares it with `b`, accepts it on `b`.
std::string ShareFolder(TestDevice& a, TestDevice& b, const std::string& label);

// Polls `done` every 50 ms until it holds or `limit` passes.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

// Waits up to 60 s for both trees to be equal (Tree) and neither device to
// need anything; false when they are not by then.
bool WaitConverged(const TestDevice& a, const TestDevice& b);

// Every file, directory and symlink under `root` (relative name → content,
// "dir" or "link:target"), skipping the puller's temp files and .shoal.
std::map<std::string, std::string> Tree(const std::string& root);
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);
// The device's failing names and why, from `status --json`.
std::map<std::string, std::string> PullFailures(const TestDevice& d);

}  // namespace shoal::e2e
