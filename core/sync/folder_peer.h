// FolderPeer: what a transport needs of one folder's sync engine — links
// coming and going, messages in, the link draining. net/exchange speaks to
// this interface, not to FolderEngine, so the net layer sees nothing of the
// store behind the engine (tests/lint/check_layering.sh keeps net/ out of
// core/store). FolderEngine is the implementation; the call contracts are
// in core/sync/folder_engine.h. Loop thread.
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/model/store_keys.h"
#include "core/sync/engine_messages.h"

namespace shoal {

class FolderPeer {
 public:
  virtual ~FolderPeer() = default;
  // `link` must stay valid until PeerDisconnected.
  virtual Result<void> PeerConnected(DeviceKey device_key, PeerLink& link) = 0;
  virtual void PeerDisconnected(DeviceKey device_key) = 0;
  virtual Result<void> PeerWritable(DeviceKey device_key) = 0;
  // An error means the peer broke the protocol: the caller closes the link.
  virtual Result<void> Receive(DeviceKey device_key, const EngineMessage& message) = 0;
};

}  // namespace shoal
