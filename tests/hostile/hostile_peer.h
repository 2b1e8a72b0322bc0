// HostilePeer: a paired device that speaks the real protocol and then lies.
// It runs the real Noise handshake (HandshakeDriver) and Hello over a
// blocking socket, so the victim treats it as the device it paired with,
// and then sends whatever records a test crafts: bodies no encoder would
// produce, many records in one write(), zstd frames that declare any size,
// or nothing at all while never reading (tests/hostile/README.md).
//
// Test-only; one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/identity/identity.h"
#include "net/session/transport.h"
#include "net/wire/compression.h"
#include "net/wire/messages.h"
#include "net/wire/record.h"

namespace shoal::hostile {

class HostilePeer {
 public:
  // Connects to host:port as `identity`, completes the paired handshake and
  // the Hello exchange, and returns once the victim's Hello has arrived.
  static Result<std::unique_ptr<HostilePeer>> Connect(const net::Identity& identity,
                                                      const std::string& host, int port,
                                                      const std::string& name = "mallory");
  ~HostilePeer();
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  const net::wire::Hello& victim_hello() const { return victim_hello_; }

  // Waits for the victim's ClusterConfig and answers with one that lists
  // the same folders (same IDs and seeds), so the victim's engines take
  // index data and requests from us. Returns the victim's.
  Result<net::wire::ClusterConfig> ShareBack(std::chrono::milliseconds limit);
  // The folders of the victim's ClusterConfig that ShareBack answered.
  const std::vector<net::wire::FolderShare>& shared_folders() const { return shared_; }

  // Seals one record (type, flags, body exactly as given) into the pending
  // output; nothing is written until Flush, so many records go in one write.
  Result<void> QueueRecord(net::wire::RecordType type, std::uint8_t flags, ByteSpan body);
  // A whole message as the real packer cuts it (compressed when the type
  // always is), queued.
  Result<void> QueueMessage(net::wire::RecordType type, ByteSpan body);
  template <typename T>
  Result<void> QueueMessage(const T& message) {
    return QueueMessage(T::kType, net::wire::Encode(message));
  }
  // The answer to a victim's Request: `block` as the real packer cuts it.
  Result<void> QueueResponse(std::uint32_t request_id, ByteSpan block);
  // Writes everything queued, in as few write() calls as the kernel allows.
  // Fails when the victim has closed the connection.
  Result<void> Flush();
  std::size_t queued_bytes() const { return out_.size(); }

  // Reads messages until one of type `type` arrives (others are dropped),
  // the victim closes, or `limit` passes.
  std::optional<net::wire::Message> Await(net::wire::RecordType type,
                                          std::chrono::milliseconds limit);
  // Reads until the victim's Close (returned) or EOF/timeout (nullopt).
  std::optional<net::wire::Close> AwaitClose(std::chrono::milliseconds limit);
  // True once the victim closed the connection (EOF or reset seen).
  bool closed() const { return closed_; }

 private:
  HostilePeer(int fd, net::RecordSealer sealer, net::RecordOpener opener);
  // One message, or nullopt on EOF, error or timeout.
  std::optional<net::wire::Message> ReadMessage(std::chrono::steady_clock::time_point deadline);

  int fd_;
  net::RecordSealer sealer_;
  net::RecordOpener opener_;
  net::wire::Compressor zstd_;
  net::wire::Hello victim_hello_;
  std::vector<net::wire::FolderShare> shared_;
  Bytes out_;
  Bytes in_;  // received bytes not yet framed
  bool closed_ = false;
};

// Answers every Request with `block` (as a peer holding the file would)
// until `done` or `limit`; returns how many it answered.
std::size_t ServeRequests(HostilePeer& mallory, ByteSpan block, const std::function<bool()>& done,
                          std::chrono::seconds limit);

// A zstd frame (one, with its content size declared) of `content`.
Bytes ZstdFrame(ByteSpan content);

}  // namespace shoal::hostile
