// SentBlockLists: the long block lists this device announced to one peer on
// the current connection, newest kept, within a budget. The peer holds each
// as our entry of that name, so it is a base the peer can always resolve a
// block-list delta against (core/model/block_delta.h), and one the peer may
// name when it sends a delta back. Plain value; the engine's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/model/block_ref.h"
#include "core/model/version_vector.h"

namespace shoal {

class SentBlockLists {
 public:
  struct Entry {
    VersionVector version;
    std::vector<BlockRef> blocks;
  };

  SentBlockLists() = default;
  explicit SentBlockLists(std::size_t budget_blocks) : budget_blocks_(budget_blocks) {}

  // Records (replacing) what was sent for `name`; drops the oldest lists
  // while over budget. A list larger than the whole budget is not kept.
  void Remember(const std::string& name, const VersionVector& version,
                const std::vector<BlockRef>& blocks);
  // What was last sent for `name`, if still kept.
  const Entry* Find(const std::string& name) const;

 private:
  struct Kept {
    Entry entry;
    std::uint64_t stamp = 0;  // matches order_ only for the latest Remember
  };
  // About 6 MiB of block references by default: the lists of a few
  // hundred large files.
  std::size_t budget_blocks_ = std::size_t{1} << 18;
  std::size_t held_blocks_ = 0;
  std::uint64_t next_stamp_ = 0;
  std::unordered_map<std::string, Kept> kept_;
  std::deque<std::pair<std::uint64_t, std::string>> order_;  // oldest first
};

}  // namespace shoal
