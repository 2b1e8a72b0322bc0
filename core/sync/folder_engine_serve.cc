// FolderEngine's serving of peers' block requests: looked up on the loop,
// read and verified through the engine's Offload.
#include "core/hash/block_hash.h"
#include "core/sync/folder_engine.h"
#include "core/version/name_check.h"

namespace shoal {

Result<void> FolderEngine::OnRequest(DeviceKey device_key, const BlockRequest& request) {
  Peer& peer = peers_[device_key];
  if (!CheckRemoteName(request.name) || request.offset < 0 || request.size == 0 ||
      request.size > kMaxBlockSize) {
    peer.link->Send(BlockResponse{request.id, BlockStatus::kInvalid, {}});
    return {};
  }
  // Only what the index holds for a live local file that is not ignored
  // is served: the named place first, then anywhere else the
  // block-location index knows it. A name the index does not hold, or an
  // ignored one, is not even opened, so a peer learns nothing of files
  // kept out of the folder (docs/security.md "Hostile peers").
  std::vector<BlockLocation> places;
  auto usable = [&](const BlockLocation& place) {
    return place.size == request.size && !ignore_rules_.IsIgnored(place.name, false);
  };
  auto at = index_.LocalBlockAt(config_.folder_key, request.name, request.offset, request.hash);
  if (!at) return at.error();
  if (*at) {
    BlockLocation named{config_.folder_key, request.name, request.offset, **at};
    if (usable(named)) places.push_back(std::move(named));
  }
  auto elsewhere = index_.FindBlock(config_.folder_key, request.hash);
  if (!elsewhere) return elsewhere.error();
  for (BlockLocation& place : *elsewhere) {
    if (usable(place)) places.push_back(std::move(place));
  }
  if (places.empty()) {
    peer.link->Send(BlockResponse{request.id, BlockStatus::kNoSuchFile, {}});
    return {};
  }
  // The read and the hash run off the loop; the answer goes back to the
  // connection that asked, if it is still there.
  auto response = std::make_shared<BlockResponse>();
  {
    std::lock_guard<std::mutex> lock(serving_->mutex);
    serving_->running++;
  }
  offload_->Run(
      [response, serving = serving_, &fs = fs_, seed = config_.hash_seed, request,
       places = std::move(places)] {
        *response = ReadBlock(fs, seed, request, places);
        std::lock_guard<std::mutex> lock(serving->mutex);
        if (--serving->running == 0) serving->idle.notify_all();
      },
      [this, alive = std::weak_ptr<bool>(alive_), device_key, connection = peer.connection,
       response] {
        auto still = alive.lock();
        if (!still || !*still) return;
        auto it = peers_.find(device_key);
        if (it == peers_.end() || it->second.connection != connection) return;
        it->second.link->Send(std::move(*response));
      });
  return {};
}

BlockResponse FolderEngine::ReadBlock(FileSystem& fs, std::uint64_t seed,
                                      const BlockRequest& request,
                                      const std::vector<BlockLocation>& places) {
  BlockResponse response{request.id, BlockStatus::kNoSuchFile, {}};
  Bytes data(request.size);
  for (const BlockLocation& place : places) {
    auto file = fs.OpenRead(place.name);
    if (!file) continue;
    auto n = (*file)->ReadAt(static_cast<std::uint64_t>(place.offset), data);
    if (!n || *n != data.size()) continue;
    // Verified before serving: the file may have changed since its scan.
    if (HashBlock(data, seed) != request.hash) {
      response.status = BlockStatus::kHashMismatch;
      continue;
    }
    response.status = BlockStatus::kOk;
    response.data = std::move(data);
    break;
  }
  return response;
}

}  // namespace shoal
