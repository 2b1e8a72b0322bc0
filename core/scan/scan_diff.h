// What the scan's two planners (Scanner::Plan for given paths, ScanStream
// for a whole folder) share: how an entry found on disk compares with its
// index entry, and the state of a plan between planning and commit.
// Internal to core/scan.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/scan/file_hasher.h"
#include "core/scan/scanner.h"
#include "core/scan/walk.h"

namespace shoal {

FileType TypeOf(EntryKind kind);

// The entry as found on disk; blocks and version are filled in by the caller.
FileInfo FromDisk(const FoundEntry& found);

// The indexed entry `old` as deleted: its version (bumped when committed),
// no content.
FileInfo MakeTombstone(const FileInfo& old);

enum class Change { kNone, kMetadata, kContent };

// Directories compare by permissions only: their mtime moves with every
// child change, which the children's own entries already record.
// `held`: the puller keeps this directory owner-writable for now.
Change Compare(const FoundEntry& found, const FileInfo* old, bool held);

// Counts a present entry into the result's totals.
void CountPresent(const FoundEntry& found, ScanResult& result);

struct ScanPlan::State {
  FileSystem* fs = nullptr;
  ScanConfig config;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point walked;
  std::chrono::steady_clock::time_point hashed_at;
  ScanResult result;
  WalkOutput walk;  // every entry walked (Plan), or those to hash (ScanStream)
  std::unordered_map<std::string, FileInfo> indexed;
  std::vector<FileInfo> changes;
  std::vector<std::size_t> to_hash;  // indexes into walk.entries
  std::vector<HashedFile> hashed;    // one per to_hash, after Hash
  std::int64_t bytes_to_hash = 0;
  // Finishing: versions decided once, then committed one batch per step.
  bool prepared = false;
  std::size_t committed = 0;
  std::chrono::steady_clock::time_point committing;
};

}  // namespace shoal
