// What folder engines say to each other (DESIGN.md "Messages"), as plain
// values with no wire encoding: the daemon maps them onto net/wire messages,
// the cluster simulation hands them over in memory. One PeerLink per
// connected device carries them, in order, until it disconnects.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/model/block_ref.h"
#include "core/model/file_info.h"

namespace shoal {

// Sent first on every connection, per shared folder: who I am for this
// folder and how much of your index I already hold. The receiver answers
// with an IndexBatch of its entries newer than `your_max_sequence` (all of
// them when `your_index_id` is not its current index ID).
struct FolderHello {
  std::string folder;
  std::uint64_t my_index_id = 0;
  std::uint64_t your_index_id = 0;  // 0 = I hold nothing of yours
  std::int64_t your_max_sequence = 0;
  friend bool operator==(const FolderHello&, const FolderHello&) = default;
};

// The sender's own entries (its local device's view), in sequence order.
// `full` starts over: the receiver forgets what it held of the sender's
// index first (the sender's index ID changed).
struct IndexBatch {
  std::string folder;
  std::uint64_t index_id = 0;
  bool full = false;
  std::vector<FileInfo> files;
  friend bool operator==(const IndexBatch&, const IndexBatch&) = default;
};

struct BlockRequest {
  std::uint32_t id = 0;  // unique among the sender's outstanding requests
  std::string folder;
  std::string name;  // where the sender expects the block (a hint)
  std::int64_t offset = 0;
  std::uint32_t size = 0;
  Hash128 hash;
  friend bool operator==(const BlockRequest&, const BlockRequest&) = default;
};

enum class BlockStatus : std::uint8_t { kOk, kNoSuchFile, kInvalid, kHashMismatch, kBusy };

struct BlockResponse {
  std::uint32_t id = 0;
  BlockStatus status = BlockStatus::kOk;
  Bytes data;  // the whole block when kOk
  friend bool operator==(const BlockResponse&, const BlockResponse&) = default;
};

using EngineMessage = std::variant<FolderHello, IndexBatch, BlockRequest, BlockResponse>;

// The engine's side of one connection to a peer device. Send never blocks
// and never fails: a broken connection shows up as a disconnect instead.
class PeerLink {
 public:
  virtual ~PeerLink() = default;
  virtual void Send(EngineMessage message) = 0;
  // False while the connection's send queue is congested: the engine holds
  // back index batches until FolderEngine::PeerWritable.
  virtual bool Writable() const { return true; }
  // The peer resolves block-list deltas (core/model/block_delta.h): index
  // entries to it may carry one instead of a whole block list.
  virtual bool AcceptsBlockDeltas() const { return false; }
};

}  // namespace shoal
