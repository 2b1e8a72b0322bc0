// StunMessage: the STUN message format (RFC 8489) with the attributes TURN
// over TCP needs (RFC 8656, RFC 6062). Shoal speaks it to a TURN server
// (net/reach/turn_client.h) and to nothing else; docs/protocol.md "Relays".
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   |0 0|  message type (method + class) |    length (body, bytes)   |
//   |                 magic cookie 0x2112A442                         |
//   |                 transaction ID (96 bits)                        |
//   | attributes: type u16, length u16, value, padded to 4 bytes ...  |
//
// The codec is pure and bounds-checked (fuzzed by
// tests/fuzz/fuzz_stun.cc). It checks MESSAGE-INTEGRITY (HMAC-SHA1) and
// FINGERPRINT (CRC-32 xor 0x5354554E) when asked; the RFC 5769 vectors are
// in tests/net/reach/stun_message_test.cc.
//
// Thread: any.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "net/peer/socket_address.h"

namespace shoal::net::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
// Largest message we build or accept (ours; TURN's messages are small).
inline constexpr std::size_t kMaxMessageSize = 4096;

enum class Method : std::uint16_t {
  kBinding = 0x001,
  kAllocate = 0x003,
  kRefresh = 0x004,
  kCreatePermission = 0x008,
  kConnect = 0x00A,            // RFC 6062
  kConnectionBind = 0x00B,     // RFC 6062
  kConnectionAttempt = 0x00C,  // RFC 6062, an indication
};

enum class Class : std::uint8_t { kRequest = 0, kIndication = 1, kSuccess = 2, kError = 3 };

namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kLifetime = 0x000D;
inline constexpr std::uint16_t kXorPeerAddress = 0x0012;
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kXorRelayedAddress = 0x0016;
inline constexpr std::uint16_t kRequestedTransport = 0x0019;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kConnectionId = 0x002A;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
}  // namespace attr

inline constexpr std::uint8_t kTransportTcp = 6;  // REQUESTED-TRANSPORT for RFC 6062

using TransactionId = std::array<std::uint8_t, 12>;

struct Attribute {
  std::uint16_t type = 0;
  Bytes value;  // without padding
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// An IP address and port as XOR-*-ADDRESS and MAPPED-ADDRESS carry them.
struct Address {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> ip{};  // IPv4 in the first 4 bytes
  std::uint16_t port = 0;

  // "198.51.100.10:50000" or "[2001:db8::1]:50000".
  std::string ToString() const;
  // From "a.b.c.d:port" or "[v6]:port" (numeric only).
  static Result<Address> Parse(std::string_view text);
  // The host part alone, for CreatePermission (the port is ignored there).
  std::string HostString() const;
  friend bool operator==(const Address&, const Address&) = default;
};

struct ErrorCodeValue {
  int code = 0;  // 300..699
  std::string reason;
};

struct Message {
  Method method = Method::kBinding;
  Class cls = Class::kRequest;
  TransactionId transaction{};
  // In wire order, without MESSAGE-INTEGRITY and FINGERPRINT (Encode adds
  // those; Decode checks and strips them).
  std::vector<Attribute> attributes;
  // What Decode found: both attributes present (and, when a key was given,
  // correct).
  bool had_integrity = false;
  bool had_fingerprint = false;

  const Attribute* Find(std::uint16_t type) const;

  void AddBytes(std::uint16_t type, ByteSpan value);
  void AddString(std::uint16_t type, std::string_view value);
  void AddU32(std::uint16_t type, std::uint32_t value);
  // XOR-MAPPED/RELAYED/PEER-ADDRESS, XOR'ed with the cookie (and, for IPv6,
  // `transaction`: set it first).
  void AddXorAddress(std::uint16_t type, const Address& address);
  void AddErrorCode(int code, std::string_view reason);

  // Typed readers: nullopt when the attribute is absent or malformed.
  // GetString returns the bytes as they are (REALM and NONCE are echoed back
  // byte for byte, so they are not checked as UTF-8).
  std::optional<std::string> GetString(std::uint16_t type) const;
  std::optional<std::uint32_t> GetU32(std::uint16_t type) const;
  std::optional<Address> GetXorAddress(std::uint16_t type) const;
  std::optional<Address> GetMappedAddress() const;  // plain MAPPED-ADDRESS
  std::optional<ErrorCodeValue> GetErrorCode() const;
};

struct EncodeOptions {
  // HMAC-SHA1 key for MESSAGE-INTEGRITY; empty: none is added. For TURN's
  // long-term credentials it is LongTermKey(user, realm, password).
  ByteSpan integrity_key;
  bool fingerprint = false;
};

// The wire form. Fails with kInvalidArgument when an attribute value is over
// 65535 bytes, the message would exceed kMaxMessageSize, or `attributes`
// holds a MESSAGE-INTEGRITY or FINGERPRINT (only `options` adds those).
Result<Bytes> Encode(const Message& message, const EncodeOptions& options = {});

struct DecodeOptions {
  // When non-empty, a MESSAGE-INTEGRITY attribute must be present and match
  // (kCrypto otherwise). When empty, one that is present is skipped unchecked.
  ByteSpan integrity_key;
};

// Decodes exactly one message filling `bytes`. Fails with kProtocol, naming
// the reason, on: a size under 20 or not matching the length field, a length
// not a multiple of 4, the two top bits set, a wrong magic cookie, an
// attribute running past the end, attributes after FINGERPRINT, or
// attributes other than FINGERPRINT after MESSAGE-INTEGRITY; and with kCrypto
// on a wrong FINGERPRINT or MESSAGE-INTEGRITY. Never reads out of bounds.
Result<Message> Decode(ByteSpan bytes, const DecodeOptions& options = {});

// Over a stream (TCP), where messages follow each other: the size of the
// message starting at `bytes` once its header is there (20 + length), or
// nullopt while fewer than 20 bytes are available. Fails with kProtocol when
// the header is not STUN (top bits, cookie) or declares over
// kMaxMessageSize.
Result<std::optional<std::size_t>> FramedSize(ByteSpan bytes);

// MD5(user ":" realm ":" password): the long-term credential key (RFC 8489
// 9.2.2; no SASLprep, so user, realm and password must be ASCII).
Bytes LongTermKey(std::string_view user, std::string_view realm, std::string_view password);

// A fresh random transaction ID (libsodium CSPRNG).
TransactionId NewTransactionId();

}  // namespace shoal::net::stun
