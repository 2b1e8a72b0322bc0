// IndexBatcher: cuts a run of index entries into IndexBatches by encoded
// size (IndexEntrySizeBound), never by count alone, so a batch of large
// files stays far below the 16 MiB message cap. An entry larger than the
// batch limit travels alone; one larger than kMaxIndexEntryBytes is not
// sent at all (the caller logs it). Plain value; any thread.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "core/model/file_info.h"

namespace shoal {

class IndexBatcher {
 public:
  explicit IndexBatcher(std::size_t batch_bytes) : batch_bytes_(batch_bytes) {}

  // True when `f` must start a new batch: the current one holds entries and
  // `f` would take it past the limit. Take() the current one first.
  bool StartsNewBatch(const FileInfo& f) const {
    return !files_.empty() && bytes_ + IndexEntrySizeBound(f) > batch_bytes_;
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
  std::size_t bytes_ = 0;
  std::vector<FileInfo> files_;
};

}  // namespace shoal
