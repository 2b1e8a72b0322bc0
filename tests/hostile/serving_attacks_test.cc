// A paired device that asks for blocks as fast as it can (issue 15): what
// it makes the victim read is bounded by the per-peer serving budget
// (net/exchange/serve_budget.h), and the victim stays responsive.
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "net/wire/messages.h"
#include "tests/hostile/crafted.h"
#include "tests/hostile/victim.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
using net::wire::RecordType;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMiB = std::int64_t{1} << 20;

TEST_CASE("hostile: 100000 Requests of 4 MiB are read within a per-peer budget", "[hostile]") {
  constexpr std::int64_t kRateMiB = 16;
  Scene scene([](e2e::TestDevice& victim) {
    victim.set_daemon_args({"--serve-rate", std::to_string(kRateMiB)});
  });
  std::mt19937_64 rng(15);
  std::string content(32 << 20, '\0');
  for (char& c : content) c = static_cast<char>(rng());
  e2e::WriteFile(scene.victim().Path("big.bin"), content);
  scene.victim().Cli({"rescan"});
  REQUIRE(e2e::Eventually([&] { return std::filesystem::exists(scene.honest().Path("big.bin")); },
                          60s));
  auto mallory = scene.Mallory();
  auto known = AnnouncedBlock(*mallory, "big.bin");
  REQUIRE(known);
  const BlockRef block = *known;

  const pid_t victim = scene.victim().pid();
  std::atomic<bool> attacking{true};
  std::atomic<long> max_status_ms{0};
  std::thread watcher([&] {
    while (attacking) {
      const long ms = StatusLatency(scene.victim()).count();
      if (ms > max_status_ms) max_status_ms = ms;
      std::this_thread::sleep_for(100ms);
    }
  });
  const ProcSample before = Sample(victim);
  const auto start = Clock::now();
  // Every other Request names the known block (served if the budget
  // allows); the rest ask 4 MiB under random hashes. Mallory keeps 512
  // requests in flight, well under what makes the victim close the
  // session, and reads everything it is sent: only the budget holds it.
  constexpr std::uint32_t kWindow = 512;
  std::uint32_t sent = 0;
  std::uint32_t answered = 0;
  std::int64_t ok_bytes = 0;
  while (answered < 100'000 && !mallory->closed() && Clock::now() - start < 20s) {
    for (; sent < 100'000 && sent - answered < kWindow; ++sent) {
      net::wire::Request request;
      request.request_id = sent + 1;
      request.folder = scene.folder();
      request.name = "big.bin";
      if (sent % 2 == 0) {
        request.size = block.size;
        request.hash = block.hash;
      } else {
        request.size = static_cast<std::uint32_t>(4 * kMiB);
        for (auto& b : request.hash.bytes) b = static_cast<std::uint8_t>(rng());
      }
      REQUIRE(mallory->QueueMessage(request));
    }
    if (!mallory->Flush()) break;
    while (sent - answered >= kWindow / 2) {
      auto piece = mallory->Await(RecordType::kResponse, 100ms);
      if (!piece) break;
      auto response = net::wire::DecodeResponse(piece->body);
      REQUIRE(response);
      if (response->code != net::wire::ResponseCode::kOk) {
        ++answered;
        continue;
      }
      ok_bytes += static_cast<std::int64_t>(response->data.size());
      if (response->offset + response->data.size() == block.size) ++answered;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const ProcSample after = Sample(victim);
  attacking = false;
  watcher.join();
  const std::int64_t read = after.rchar - before.rchar;
  // One second's burst, then the rate, plus slack for the daemon's own
  // reads (its index, /proc, the control socket).
  const std::int64_t allowed =
      static_cast<std::int64_t>((seconds + 1) * kRateMiB * kMiB) + 16 * kMiB;
  WARN("in " << seconds << " s Mallory sent " << sent << " requests, " << answered
             << " were answered, with " << ok_bytes << " bytes of blocks; the victim read " << read
             << " bytes (budget " << allowed << "), status at most " << max_status_ms
             << " ms, VmHWM " << after.peak_rss_kib << " KiB, fds " << after.fds
             << (mallory->closed() ? "; session closed" : ""));
  CHECK(read <= allowed);
  CHECK(max_status_ms < 200);
  CHECK(ok_bytes <= allowed);
  CHECK_FALSE(mallory->closed());  // held back, not cut off
  scene.ExpectUnharmed();
}

}  // namespace
}  // namespace shoal::hostile
