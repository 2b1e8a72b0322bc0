// Messages exchanged after the handshake, as plain values, with their codecs
// (docs/protocol.md "Messages"). Each has `Bytes Encode(const T&)` and
// `Result<T> DecodeT(ByteSpan)`; the body is what MessageAssembler yields for
// the record type T::kType. Decoders are bounds-checked on every read,
// allocate nothing a count claims before checking it against the bytes left,
// enforce the length limits below, require UTF-8 text and reject trailing
// bytes; every failure is kProtocol. File names are NOT validated as paths
// here (absolute, "..", NUL): the engine does that before using them.
//
// Codecs: hello_codec.cc (Hello, Ping, Close, PairAccept, PairReveal, Punch),
// cluster_config_codec.cc, index_codec.cc, request_codec.cc (Request,
// Response).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/block_ref.h"
#include "core/model/device_id.h"
#include "core/model/file_info.h"
#include "net/wire/record.h"

namespace shoal::net::wire {

// Length limits in bytes (UTF-8).
inline constexpr std::size_t kMaxDeviceNameLen = 256;
inline constexpr std::size_t kMaxClientFieldLen = 64;  // client name and version
inline constexpr std::size_t kMaxFolderIdLen = 64;
inline constexpr std::size_t kMaxFolderLabelLen = 256;
inline constexpr std::size_t kMaxNameLen = 4096;  // file names and symlink targets
inline constexpr std::size_t kMaxCloseTextLen = 1024;
inline constexpr std::size_t kMaxHelloAddresses = 8;
inline constexpr std::size_t kMaxAddressLen = 128;
inline constexpr std::size_t kMaxPunchEndpoints = 4;
// Entries in one Index or IndexUpdate. Our batches are cut at 1 MiB of
// encoded entries of at least 61 bytes each (IndexEntrySizeBound), about
// 17,000; the cap bounds what one message decodes to (docs/security.md
// "Hostile peers").
inline constexpr std::size_t kMaxIndexEntries = 65'536;
// Folders in one ClusterConfig, and devices listed per folder (we list two:
// ourselves and the receiver).
inline constexpr std::size_t kMaxClusterFolders = 4096;
inline constexpr std::size_t kMaxFolderDevices = 64;

struct Hello {
  static constexpr RecordType kType = RecordType::kHello;
  std::string device_name;
  std::string client_name;
  std::string client_version;
  std::uint64_t instance_id = 0;  // random per daemon start
  // Where else the sender can be reached: its relayed addresses
  // ("relay://IP:PORT") and rendezvous ID ("rendezvous://ID"). On the wire
  // only when both preambles offer kOfferHelloAddresses.
  std::vector<std::string> addresses;
  friend bool operator==(const Hello&, const Hello&) = default;
};

// What the sender has of one folder from one device.
struct FolderDevice {
  DeviceId device;
  std::uint64_t index_id = 0;     // names one incarnation of that device's index
  std::int64_t max_sequence = 0;  // highest sequence the sender has from it, >= 0
  friend bool operator==(const FolderDevice&, const FolderDevice&) = default;
};

struct FolderShare {
  std::string id;
  std::string label;
  std::uint64_t hash_seed = 0;  // block ID seed (DESIGN.md "Hashing")
  std::vector<FolderDevice> devices;
  friend bool operator==(const FolderShare&, const FolderShare&) = default;
};

// The folders the sender shares with the receiver (and no others).
struct ClusterConfig {
  static constexpr RecordType kType = RecordType::kClusterConfig;
  std::vector<FolderShare> folders;
  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

// A batch of FileInfo of one folder (inode is never sent: it decodes as 0).
// Index starts a full exchange; IndexUpdate continues it incrementally.
struct Index {
  static constexpr RecordType kType = RecordType::kIndex;
  std::string folder;
  std::vector<FileInfo> files;
  friend bool operator==(const Index&, const Index&) = default;
};
struct IndexUpdate : Index {
  static constexpr RecordType kType = RecordType::kIndexUpdate;
};

struct Request {
  static constexpr RecordType kType = RecordType::kRequest;
  std::uint32_t request_id = 0;  // unique among the sender's outstanding requests
  std::string folder;
  std::string name;         // file hint: where the sender expects the block
  std::int64_t offset = 0;  // of the block in that file, >= 0
  std::uint32_t size = 0;   // of the block, 1..kMaxBlockSize
  Hash128 hash;             // block ID
  friend bool operator==(const Request&, const Request&) = default;
};

enum class ResponseCode : std::uint8_t {
  kOk = 0,
  kNoSuchFile = 1,
  kInvalid = 2,
  kHashMismatch = 3,
  kBusy = 4,
};

// One piece of a block: `data` is the block's bytes [offset, offset + size).
// An error response has offset 0 and no data.
struct Response {
  static constexpr RecordType kType = RecordType::kResponse;
  std::uint32_t request_id = 0;
  ResponseCode code = ResponseCode::kOk;
  std::uint32_t offset = 0;
  Bytes data;  // at most kMaxResponseData bytes
  friend bool operator==(const Response&, const Response&) = default;
};

struct Ping {
  static constexpr RecordType kType = RecordType::kPing;
  friend bool operator==(const Ping&, const Ping&) = default;
};

// Unknown reasons from newer peers decode as they are; treat them as kError.
enum class CloseReason : std::uint8_t {
  kNormal = 0,         // orderly shutdown or end of pairing
  kError = 1,          // local failure
  kProtocolError = 2,  // the peer sent something malformed
  kUnauthorized = 3,   // not paired, or folder not shared
  kTimeout = 4,        // the peer stopped answering pings
};

struct Close {
  static constexpr RecordType kType = RecordType::kClose;
  CloseReason reason = CloseReason::kNormal;
  std::string text;
  friend bool operator==(const Close&, const Close&) = default;
};

// Pairing connections only (docs/protocol.md "Pairing"). The joiner's
// PairAccept carries its commitment to a nonce, the inviter's carries the
// inviter's nonce; the joiner then opens its commitment with PairReveal.
inline constexpr std::size_t kPairingValueSize = 32;
using PairingValue = std::array<std::uint8_t, kPairingValueSize>;

struct PairAccept {
  static constexpr RecordType kType = RecordType::kPairAccept;
  std::string device_name;
  PairingValue value{};  // joiner: its commitment; inviter: its nonce
  friend bool operator==(const PairAccept&, const PairAccept&) = default;
};

struct PairReveal {
  static constexpr RecordType kType = RecordType::kPairReveal;
  PairingValue nonce{};  // the joiner's, which its commitment bound
  friend bool operator==(const PairReveal&, const PairReveal&) = default;
};

// TCP hole punching over an established relayed session (docs/protocol.md
// "Hole punching"): the device with the larger ID offers its public
// endpoints, the other answers with its own and both dial at once from
// their listening ports. On the wire only when both preambles offer
// kOfferPunch.
enum class PunchStage : std::uint8_t {
  kOffer = 0,  // "here is where I can be reached; punch with me"
  kGo = 1,     // "here is mine; I am dialing you now"
  kFail = 2,   // "I cannot punch this round" (no public endpoint); no endpoints
};

struct Punch {
  static constexpr RecordType kType = RecordType::kPunch;
  PunchStage stage = PunchStage::kOffer;
  std::uint32_t round = 0;             // chosen by the offerer; a Go or Fail repeats it
  std::vector<std::string> endpoints;  // "IP:PORT", at most kMaxPunchEndpoints
  friend bool operator==(const Punch&, const Punch&) = default;
};

Bytes Encode(const Hello& message);
// Hello as a peer without kOfferHelloAddresses sends and reads it: no
// address list (docs/protocol.md "Hello").
Bytes EncodeHelloWithoutAddresses(const Hello& message);
Bytes Encode(const ClusterConfig& message);
Bytes Encode(const Index& message);
Bytes Encode(const IndexUpdate& message);
Bytes Encode(const Request& message);
Bytes Encode(const Response& message);
Bytes Encode(const Ping& message);
Bytes Encode(const Close& message);
Bytes Encode(const PairAccept& message);
Bytes Encode(const PairReveal& message);
Bytes Encode(const Punch& message);

Result<Hello> DecodeHello(ByteSpan body);
Result<Hello> DecodeHelloWithoutAddresses(ByteSpan body);
Result<ClusterConfig> DecodeClusterConfig(ByteSpan body);
Result<Index> DecodeIndex(ByteSpan body);
Result<IndexUpdate> DecodeIndexUpdate(ByteSpan body);
Result<Request> DecodeRequest(ByteSpan body);
Result<Response> DecodeResponse(ByteSpan body);
Result<Ping> DecodePing(ByteSpan body);
Result<Close> DecodeClose(ByteSpan body);
Result<PairAccept> DecodePairAccept(ByteSpan body);
Result<PairReveal> DecodePairReveal(ByteSpan body);
// Also fails on an unknown stage, and on endpoints in a Fail.
Result<Punch> DecodePunch(ByteSpan body);

// The messages that carry folders between two established devices, as one
// type. Session hands each to its delegate as a PeerMessage and every layer
// up to SessionExchange passes it on untouched (one OnMessage, one Send per
// layer). Hello, Ping, Close, PairAccept, PairReveal and Punch belong to the session itself and
// are not here. A new message: its struct and codec above, an alternative
// here, its decode in Session::Accept (session_receive.cc) and its handler
// in SessionExchange::OnMessage; nothing between them changes.
using PeerMessage = std::variant<ClusterConfig, Index, IndexUpdate, Request, Response>;
// "Index", "Request", ...: the record type's name.
inline std::string_view PeerMessageName(const PeerMessage& message) {
  return std::visit([](const auto& m) { return RecordTypeName(m.kType); }, message);
}

}  // namespace shoal::net::wire
