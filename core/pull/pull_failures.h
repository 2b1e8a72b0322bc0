// PullFailures: the names the puller could not apply, why, and when to try
// each again (DESIGN.md "Safety": one failing name never stops the rest of
// a folder). A failed name waits 10 s, then 20 s, 40 s, ... up to 1 h
// between attempts; a new global version of the name starts it afresh, and
// applying it forgets the failure. Times come from the injected Clock.
//
// Kept in memory only: after a restart every name is simply tried again.
// Thread: the engine's (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/version_vector.h"

namespace shoal {

// One name that failed, for status.
struct PullFailure {
  std::string name;
  std::string reason;
  int attempts = 0;
  std::int64_t retry_at_ns = 0;  // Unix nanoseconds
};

class PullFailures {
 public:
  static constexpr std::chrono::seconds kFirstDelay{10};
  static constexpr std::chrono::seconds kMaxDelay{3600};

  // `name` (wanted at `version`) failed at `now_ns` because of `reason`.
  void Record(const std::string& name, const VersionVector& version, std::string reason,
              std::int64_t now_ns);
  // `name` was applied (or is no longer needed): tried normally again.
  void Clear(const std::string& name);
  // True while `name` at `version` must not be tried yet. A different
  // version forgets the failure and returns false.
  bool Waiting(const std::string& name, const VersionVector& version, std::int64_t now_ns);
  // True when `name` failed at this very version (waiting or due).
  bool Failing(const std::string& name, const VersionVector& version) const;
  // The earliest time a waiting name is due again.
  std::optional<std::int64_t> NextRetryNanos() const;
  std::vector<PullFailure> List() const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    VersionVector version;
    PullFailure failure;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace shoal
