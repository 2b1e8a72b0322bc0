// IndexBatcher: cuts a run of index entries into IndexBatches by encoded
// size (IndexEntrySizeBound), never by count alone, so a batch of large
// files stays far below the 16 MiB message cap, and by count as well, so
// that the receiver, which stores a batch in one step of its loop, is not
// held long by a batch of many small entries (1 MiB of them was 25,787
// entries, a step of a quarter to most of a second; docs/performance.md
// "The receiver's loop during the 1,000,000-file sync"). An entry
// larger than the batch limit travels alone; one larger than
// kMaxIndexEntryBytes is not sent at all (the caller logs it). Plain
// value; any thread.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "core/model/file_info.h"

namespace shoal {

// Entries per batch: B of the 1,000,000-file sync stored a batch of 500
// in 4.5 ms (median; at the most 16.5 ms).
constexpr std::size_t kIndexBatchEntries = 500;

class IndexBatcher {
 public:
  explicit IndexBatcher(std::size_t batch_bytes, std::size_t batch_entries = kIndexBatchEntries)
      : batch_bytes_(batch_bytes), batch_entries_(batch_entries) {}

  // True when `f` must start a new batch: the current one holds entries and
  // is full, or `f` would take it past the limit. Take() the current one
  // first.
  bool StartsNewBatch(const FileInfo& f) const {
    return !files_.empty() &&
           (files_.size() >= batch_entries_ || bytes_ + IndexEntrySizeBound(f) > batch_bytes_);
  }
  void Add(FileInfo f) {
    bytes_ += IndexEntrySizeBound(f);
    files_.push_back(std::move(f));
  }
  std::vector<FileInfo> Take() {
    bytes_ = 0;
    return std::exchange(files_, {});
  }
  bool empty() const { return files_.empty(); }

 private:
  std::size_t batch_bytes_;
  std::size_t batch_entries_;
  std::size_t bytes_ = 0;
  std::vector<FileInfo> files_;
};

}  // namespace shoal
