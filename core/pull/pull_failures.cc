#include "core/pull/pull_failures.h"

#include <algorithm>

namespace shoal {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// 10 s after the first failure, doubling with each further one, capped.
std::int64_t DelayNanos(int attempts) {
  std::int64_t delay = PullFailures::kFirstDelay.count();
  for (int i = 1; i < attempts && delay < PullFailures::kMaxDelay.count(); ++i) delay *= 2;
  return std::min<std::int64_t>(delay, PullFailures::kMaxDelay.count()) * kNanosPerSecond;
}

}  // namespace

void PullFailures::Record(const std::string& name, const VersionVector& version, std::string reason,
                          std::int64_t now_ns) {
  Entry& e = entries_[name];
  if (e.version != version) e.failure.attempts = 0;  // a new version starts afresh
  e.version = version;
  e.failure.name = name;
  e.failure.reason = std::move(reason);
  e.failure.attempts++;
  e.failure.retry_at_ns = now_ns + DelayNanos(e.failure.attempts);
}

void PullFailures::Clear(const std::string& name) { entries_.erase(name); }

bool PullFailures::Waiting(const std::string& name, const VersionVector& version,
                           std::int64_t now_ns) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  if (it->second.version != version) {
    entries_.erase(it);
    return false;
  }
  return now_ns < it->second.failure.retry_at_ns;
}

bool PullFailures::Failing(const std::string& name, const VersionVector& version) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.version == version;
}

std::optional<std::int64_t> PullFailures::NextRetryNanos() const {
  std::optional<std::int64_t> next;
  for (const auto& [name, e] : entries_) {
    if (!next || e.failure.retry_at_ns < *next) next = e.failure.retry_at_ns;
  }
  return next;
}

std::vector<PullFailure> PullFailures::List() const {
  std::vector<PullFailure> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(e.failure);
  return out;
}

}  // namespace shoal
