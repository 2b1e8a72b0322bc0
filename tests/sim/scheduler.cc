#include "tests/sim/scheduler.h"

#include <cstdio>

#include "core/base/check.h"

namespace shoal::sim {

Scheduler::Scheduler(std::uint64_t seed, std::int64_t max_delay_ms)
    : rng_(seed), max_delay_ms_(max_delay_ms) {}

std::int64_t Scheduler::Uniform(std::int64_t lo, std::int64_t hi) {
  SHOAL_CHECK(lo <= hi, "Scheduler::Uniform: empty range");
  // Not std::uniform_int_distribution: its algorithm is left to the
  // standard library, and a seed must mean the same run everywhere.
  auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  if (span == 0) return static_cast<std::int64_t>(rng_());
  return lo + static_cast<std::int64_t>(rng_() % span);
}

bool Scheduler::Chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

void Scheduler::Enqueue(int from, int to, EngineMessage message) {
  auto& queue = queues_[{from, to}];
  std::int64_t at = clock_.NowUnixNanos() + Uniform(1, max_delay_ms_) * 1'000'000;
  // FIFO per direction: never before the message queued ahead of it.
  if (!queue.empty() && queue.back().deliver_at_ns > at) at = queue.back().deliver_at_ns;
  queue.push_back(InFlight{from, to, at, next_order_++, std::move(message)});
  ++in_flight_;
}

std::optional<InFlight> Scheduler::PopNextDue() {
  std::deque<InFlight>* best = nullptr;
  for (auto& [direction, queue] : queues_) {
    if (queue.empty()) continue;
    const InFlight& head = queue.front();
    if (best == nullptr || head.deliver_at_ns < best->front().deliver_at_ns ||
        (head.deliver_at_ns == best->front().deliver_at_ns && head.order < best->front().order)) {
      best = &queue;
    }
  }
  if (best == nullptr) return std::nullopt;
  InFlight next = std::move(best->front());
  best->pop_front();
  --in_flight_;
  clock_.AdvanceTo(next.deliver_at_ns);
  return next;
}

std::size_t Scheduler::Discard(int a, int b) {
  std::size_t dropped = 0;
  for (auto direction : {std::pair{a, b}, std::pair{b, a}}) {
    auto it = queues_.find(direction);
    if (it == queues_.end()) continue;
    dropped += it->second.size();
    it->second.clear();
  }
  in_flight_ -= dropped;
  return dropped;
}

std::string Scheduler::Elapsed() const {
  std::int64_t tenths = (clock_.now_ns() - kSimEpochNs) / 100'000'000;
  std::string out = std::to_string(tenths / 10);
  out.push_back('.');
  out.append(std::to_string(tenths % 10));
  return out;
}

void Scheduler::Log(const std::string& line) {
  std::string entry("t=");
  entry.append(Elapsed()).append("s ").append(line);
  if (verbose_) std::fprintf(stderr, "%s\n", entry.c_str());
  log_.push_back(std::move(entry));
}

namespace {

std::string DescribeOne(const FolderHello& hello) {
  std::string out("FolderHello(index ");
  out.append(std::to_string(hello.my_index_id))
      .append(", has yours ")
      .append(std::to_string(hello.your_index_id))
      .append(" up to seq ")
      .append(std::to_string(hello.your_max_sequence))
      .append(")");
  return out;
}

std::string DescribeOne(const IndexBatch& batch) {
  std::string out("IndexBatch(");
  out.append(std::to_string(batch.files.size())).append(" files");
  if (batch.full) out.append(", full");
  for (std::size_t i = 0; i < batch.files.size() && i < 4; ++i) {
    const FileInfo& f = batch.files[i];
    out.append(i == 0 ? ": " : ", ").append(f.name);
    if (f.deleted) out.append(" (deleted)");
  }
  if (batch.files.size() > 4) out.append(", ...");
  out.append(")");
  return out;
}

std::string DescribeOne(const BlockRequest& request) {
  std::string out("BlockRequest(#");
  out.append(std::to_string(request.id))
      .append(" ")
      .append(request.name)
      .append(" @")
      .append(std::to_string(request.offset))
      .append(" ")
      .append(std::to_string(request.size))
      .append("B)");
  return out;
}

std::string DescribeOne(const BlockResponse& response) {
  static constexpr const char* kStatus[] = {"ok", "no such file", "invalid", "hash mismatch",
                                            "busy"};
  std::string out("BlockResponse(#");
  out.append(std::to_string(response.id)).append(" ");
  auto status = static_cast<std::size_t>(response.status);
  out.append(status < 5 ? kStatus[status] : "?");
  out.append(" ").append(std::to_string(response.data.size())).append("B)");
  return out;
}

}  // namespace

std::string Describe(const EngineMessage& message) {
  return std::visit([](const auto& m) { return DescribeOne(m); }, message);
}

}  // namespace shoal::sim
