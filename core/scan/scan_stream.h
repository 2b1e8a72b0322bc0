// ScanStream: a full scan of a folder of any size in bounded memory.
//
// It merges a SortedWalk of the folder with the local device's index
// entries, read a page at a time in the same (bytewise) name order, and
// hands the scan out as a sequence of ScanPlans, each covering the next
// stretch of names: up to ScanConfig::stream_plan_entries changed entries
// or kStreamPlanBytes to hash. Each plan is hashed and finished like any other
// (ScanPlan::Hash, Scanner::FinishStep on the writer's connection), in
// order. Memory is one plan, one page of the index, the listings of the
// directories on the walk's current path, and the tombstones held back
// (below): whatever the folder's size, only what was deleted adds to it.
//
// Tombstones are held back to the last plan, so that the mass-delete brake
// (FolderEngine::CheckPlan) weighs all of a scan's deletions before any is
// committed. Nothing may change the local device's entries of the folder
// while a stream runs (the daemon holds back its puller); the plans it
// commits meanwhile lie behind the stream's position in name order, so its
// reads never see them.
//
// Thread: made by Scanner::Stream on the thread of that Scanner's index; Next
// may then run on another thread (one at a time), the index being used by
// nothing else meanwhile (a reader connection, Index::OpenReader).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/scan/scanner.h"

namespace shoal {

inline constexpr std::int64_t kStreamPlanBytes = std::int64_t{64} << 20;
inline constexpr std::int64_t kStreamIndexPage = 1000;

class SortedWalk;

class ScanStream {
 public:
  ScanStream(ScanStream&&) noexcept;
  ScanStream& operator=(ScanStream&&) noexcept;
  ~ScanStream();

  // The next plan, or nullopt once the whole scan has been handed out. Fails
  // (kCancelled) once the config's cancel flag is set.
  Result<std::optional<ScanPlan>> Next();

 private:
  friend class Scanner;
  struct State;
  explicit ScanStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace shoal
