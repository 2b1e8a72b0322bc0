#include "net/reach/stun_message.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "net/noise/secret_bytes.h"

namespace shoal::net::stun {
namespace {

constexpr std::uint32_t kFingerprintXor = 0x5354554E;  // "STUN", RFC 8489 14.7
constexpr std::size_t kIntegritySize = 20;             // HMAC-SHA1
constexpr std::size_t kIntegrityAttributeSize = 4 + kIntegritySize;
constexpr std::size_t kFingerprintAttributeSize = 4 + 4;
using Mac = std::array<std::uint8_t, kIntegritySize>;

Unexpected Malformed(const std::string& why) { return Fail(ErrorCode::kProtocol, "stun: " + why); }
Unexpected Forged(const std::string& why) { return Fail(ErrorCode::kCrypto, "stun: " + why); }

std::string Hex16(std::uint16_t value) {
  char text[8];
  std::snprintf(text, sizeof(text), "0x%04x", value);
  return text;
}

std::uint16_t Read16(ByteSpan bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}
std::uint32_t Read32(ByteSpan bytes, std::size_t at) {
  return std::uint32_t{Read16(bytes, at)} << 16 | Read16(bytes, at + 2);
}
void Put16(Bytes& out, std::size_t at, std::size_t value) {
  out[at] = static_cast<std::uint8_t>(value >> 8);
  out[at + 1] = static_cast<std::uint8_t>(value);
}
void Append32(Bytes& out, std::uint32_t value) {
  AppendBigEndian16(out, static_cast<std::uint16_t>(value >> 16));
  AppendBigEndian16(out, static_cast<std::uint16_t>(value));
}
// Type, length, value, then zero bytes up to a multiple of 4 (RFC 8489 14).
void AppendAttribute(Bytes& out, std::uint16_t type, ByteSpan value) {
  AppendBigEndian16(out, type);
  AppendBigEndian16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  out.resize(out.size() + (4 - value.size() % 4) % 4, 0);
}

// RFC 8489 5: method bits M0-M11 with class bits C0 (bit 4) and C1 (bit 8)
// between them.
std::uint16_t MessageType(Method method, Class cls) {
  const unsigned m = static_cast<unsigned>(method) & 0xFFF;
  const unsigned c = static_cast<unsigned>(cls) & 0x3;
  return static_cast<std::uint16_t>((m & 0x00F) | (m & 0x070) << 1 | (m & 0xF80) << 2 |
                                    (c & 1) << 4 | (c & 2) << 7);
}

Result<void> SplitMessageType(std::uint16_t type, Message& out) {
  constexpr std::array kKnown = {Method::kBinding,          Method::kAllocate,
                                 Method::kRefresh,          Method::kCreatePermission,
                                 Method::kConnect,          Method::kConnectionBind,
                                 Method::kConnectionAttempt};
  const auto m =
      static_cast<std::uint16_t>((type & 0x000F) | (type >> 1 & 0x0070) | (type >> 2 & 0x0F80));
  if (std::find(kKnown.begin(), kKnown.end(), static_cast<Method>(m)) == kKnown.end()) {
    return Malformed("unknown method " + Hex16(m));
  }
  out.method = static_cast<Method>(m);
  out.cls = static_cast<Class>((type >> 4 & 1) | (type >> 7 & 2));
  return {};
}

// The checks FramedSize and Decode share: not a ChannelData message or other
// traffic (top bits), and the RFC 5389+ cookie. `bytes` has a whole header.
Result<void> CheckHeaderStart(ByteSpan bytes) {
  if ((bytes[0] & 0xC0) != 0) return Malformed("top two bits of the type set");
  if (Read32(bytes, 4) != kMagicCookie) return Malformed("wrong magic cookie");
  return {};
}

constexpr std::array<std::uint32_t, 256> kCrcTable = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}();

// CRC-32 as ISO 3309 / zlib compute it (reflected 0xEDB88320).
std::uint32_t Crc32(ByteSpan bytes) {
  std::uint32_t c = 0xFFFFFFFF;
  for (std::uint8_t b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFF;
}

// HMAC-SHA1 over `prefix` (the message up to MESSAGE-INTEGRITY) with the
// header's length field set to end just after MESSAGE-INTEGRITY (RFC 8489
// 14.5), whatever follows it.
Result<Mac> IntegrityOf(ByteSpan prefix, ByteSpan key) {
  Bytes copy(prefix.begin(), prefix.end());
  Put16(copy, 2, copy.size() + kIntegrityAttributeSize - kHeaderSize);
  Mac mac{};
  unsigned int size = 0;
  if (key.size() > INT_MAX ||
      HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), copy.data(), copy.size(),
           mac.data(), &size) == nullptr ||
      size != mac.size()) {
    return Forged("HMAC-SHA1 failed");
  }
  return mac;
}

// X-Address (RFC 8489 14.2): the port xor'ed with the cookie's top 16 bits,
// the address with the cookie followed by the transaction ID.
std::array<std::uint8_t, 16> XorMask(const TransactionId& transaction) {
  std::array<std::uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<std::uint8_t>(kMagicCookie >> (24 - 8 * i));
  std::copy(transaction.begin(), transaction.end(), mask.begin() + 4);
  return mask;
}

// 0, family (1 IPv4, 2 IPv6), port, address; xor'ed when `transaction` is given.
std::optional<Address> ReadAddress(ByteSpan value, const TransactionId* transaction) {
  if (value.size() < 4) return std::nullopt;
  Address a;
  a.ipv6 = value[1] == 0x02;
  if ((value[1] != 0x01 && !a.ipv6) || value.size() != (a.ipv6 ? 20u : 8u)) return std::nullopt;
  std::array<std::uint8_t, 16> mask{};
  if (transaction != nullptr) mask = XorMask(*transaction);
  a.port = static_cast<std::uint16_t>(Read16(value, 2) ^ (mask[0] << 8 | mask[1]));
  for (std::size_t i = 0; i + 4 < value.size(); ++i) {
    a.ip[i] = static_cast<std::uint8_t>(value[4 + i] ^ mask[i]);
  }
  return a;
}

// Where MESSAGE-INTEGRITY and FINGERPRINT are, when present (offsets from
// the start of the message).
struct Trailer {
  std::optional<std::size_t> integrity_at;
  std::optional<std::size_t> fingerprint_at;
};

// Appends every attribute of `bytes` (a whole message whose header has been
// checked) to `out` except those two, which must come last.
Result<Trailer> ReadAttributes(ByteSpan bytes, Message& out) {
  Trailer trailer;
  // Attributes start 4-aligned and the length is a multiple of 4, so each
  // one's type and length are in bounds once `pos` is before the end.
  for (std::size_t pos = kHeaderSize; pos < bytes.size();) {
    const std::uint16_t type = Read16(bytes, pos);
    const std::size_t size = Read16(bytes, pos + 2);
    if (trailer.fingerprint_at) return Malformed("attribute " + Hex16(type) + " after FINGERPRINT");
    if (trailer.integrity_at && type != attr::kFingerprint) {
      return Malformed("attribute " + Hex16(type) + " after MESSAGE-INTEGRITY");
    }
    const std::size_t padded = (size + 3) / 4 * 4;
    if (padded > bytes.size() - pos - 4) {
      return Malformed("attribute " + Hex16(type) + " of " + std::to_string(size) +
                       " bytes runs past the end");
    }
    if (type == attr::kMessageIntegrity || type == attr::kFingerprint) {
      const bool integrity = type == attr::kMessageIntegrity;
      if (size != (integrity ? kIntegritySize : 4)) {
        return Malformed(std::string(integrity ? "MESSAGE-INTEGRITY" : "FINGERPRINT") + " of " +
                         std::to_string(size) + " bytes");
      }
      (integrity ? trailer.integrity_at : trailer.fingerprint_at) = pos;
    } else {
      out.AddBytes(type, bytes.subspan(pos + 4, size));
    }
    pos += 4 + padded;
  }
  return trailer;
}

}  // namespace

std::string Address::HostString() const {
  char text[INET6_ADDRSTRLEN] = {};
  const char* ok = inet_ntop(ipv6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof(text));
  SHOAL_CHECK(ok != nullptr, "stun: inet_ntop failed");  // only on a too small buffer
  return text;
}

std::string Address::ToString() const {
  const std::string port_text = ":" + std::to_string(port);
  return ipv6 ? "[" + HostString() + "]" + port_text : HostString() + port_text;
}

Result<Address> Address::Parse(std::string_view text) {
  auto split = SplitHostPort(text, /*allow_port_zero=*/true);
  if (!split) return split.error();
  Address a;
  a.port = static_cast<std::uint16_t>(split->port);
  a.ipv6 = text.front() == '[';  // SplitHostPort accepts a v6 host only in brackets
  if (inet_pton(a.ipv6 ? AF_INET6 : AF_INET, split->host.c_str(), a.ip.data()) != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "address '" + std::string(text) + "': not a numeric IPv4 or [IPv6] address");
  }
  return a;
}

const Attribute* Message::Find(std::uint16_t type) const {
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [type](const Attribute& a) { return a.type == type; });
  return it == attributes.end() ? nullptr : &*it;
}

void Message::AddBytes(std::uint16_t type, ByteSpan value) {
  attributes.push_back({type, Bytes(value.begin(), value.end())});
}

void Message::AddString(std::uint16_t type, std::string_view value) {
  attributes.push_back({type, Bytes(value.begin(), value.end())});
}

void Message::AddU32(std::uint16_t type, std::uint32_t value) {
  Bytes bytes;
  Append32(bytes, value);
  attributes.push_back({type, std::move(bytes)});
}

void Message::AddXorAddress(std::uint16_t type, const Address& address) {
  const auto mask = XorMask(transaction);
  Bytes value = {0, static_cast<std::uint8_t>(address.ipv6 ? 0x02 : 0x01)};
  AppendBigEndian16(value, static_cast<std::uint16_t>(address.port ^ (mask[0] << 8 | mask[1])));
  for (std::size_t i = 0; i < (address.ipv6 ? 16u : 4u); ++i) {
    value.push_back(static_cast<std::uint8_t>(address.ip[i] ^ mask[i]));
  }
  attributes.push_back({type, std::move(value)});
}

void Message::AddErrorCode(int code, std::string_view reason) {
  SHOAL_CHECK(code >= 300 && code <= 699, "stun: ERROR-CODE outside 300..699");
  Bytes value = {0, 0, static_cast<std::uint8_t>(code / 100),
                 static_cast<std::uint8_t>(code % 100)};
  value.insert(value.end(), reason.begin(), reason.end());
  attributes.push_back({attr::kErrorCode, std::move(value)});
}

std::optional<std::string> Message::GetString(std::uint16_t type) const {
  const Attribute* a = Find(type);
  if (a == nullptr) return std::nullopt;
  return std::string(a->value.begin(), a->value.end());
}

std::optional<std::uint32_t> Message::GetU32(std::uint16_t type) const {
  const Attribute* a = Find(type);
  if (a == nullptr || a->value.size() != 4) return std::nullopt;
  return Read32(a->value, 0);
}

std::optional<Address> Message::GetXorAddress(std::uint16_t type) const {
  const Attribute* a = Find(type);
  return a == nullptr ? std::nullopt : ReadAddress(a->value, &transaction);
}

std::optional<Address> Message::GetMappedAddress() const {
  const Attribute* a = Find(attr::kMappedAddress);
  return a == nullptr ? std::nullopt : ReadAddress(a->value, nullptr);
}

std::optional<ErrorCodeValue> Message::GetErrorCode() const {
  const Attribute* a = Find(attr::kErrorCode);
  if (a == nullptr || a->value.size() < 4) return std::nullopt;
  const int hundreds = a->value[2] & 0x7;
  const int number = a->value[3];
  if (hundreds < 3 || hundreds > 6 || number > 99) return std::nullopt;
  return ErrorCodeValue{hundreds * 100 + number, std::string(a->value.begin() + 4, a->value.end())};
}

Result<Bytes> Encode(const Message& message, const EncodeOptions& options) {
  Bytes out;
  AppendBigEndian16(out, MessageType(message.method, message.cls));
  AppendBigEndian16(out, 0);  // the length, set below
  Append32(out, kMagicCookie);
  out.insert(out.end(), message.transaction.begin(), message.transaction.end());
  const std::size_t trailer = (options.integrity_key.empty() ? 0 : kIntegrityAttributeSize) +
                              (options.fingerprint ? kFingerprintAttributeSize : 0);
  for (const Attribute& a : message.attributes) {
    if (a.type == attr::kMessageIntegrity || a.type == attr::kFingerprint) {
      return Fail(ErrorCode::kInvalidArgument,
                  "stun: MESSAGE-INTEGRITY and FINGERPRINT are added by Encode, not by the caller");
    }
    // The first test also keeps each length within its 16 bits.
    static_assert(kMaxMessageSize <= 0xFFFF);
    if (a.value.size() > kMaxMessageSize ||
        out.size() + 4 + (a.value.size() + 3) / 4 * 4 + trailer > kMaxMessageSize) {
      return Fail(ErrorCode::kInvalidArgument,
                  "stun: attribute " + Hex16(a.type) + " of " + std::to_string(a.value.size()) +
                      " bytes takes the message over " + std::to_string(kMaxMessageSize));
    }
    AppendAttribute(out, a.type, a.value);
  }
  if (!options.integrity_key.empty()) {
    auto mac = IntegrityOf(out, options.integrity_key);
    if (!mac) return mac.error();
    AppendAttribute(out, attr::kMessageIntegrity, *mac);
  }
  if (options.fingerprint) {
    // The CRC covers the header with its final length (RFC 8489 14.7).
    Put16(out, 2, out.size() + kFingerprintAttributeSize - kHeaderSize);
    Bytes value;
    Append32(value, Crc32(out) ^ kFingerprintXor);
    AppendAttribute(out, attr::kFingerprint, value);
  }
  Put16(out, 2, out.size() - kHeaderSize);
  return out;
}

Result<Message> Decode(ByteSpan bytes, const DecodeOptions& options) {
  if (bytes.size() < kHeaderSize) {
    return Malformed("truncated: " + std::to_string(bytes.size()) + " bytes, under a header");
  }
  if (bytes.size() > kMaxMessageSize) {
    return Malformed(std::to_string(bytes.size()) + " bytes, over the " +
                     std::to_string(kMaxMessageSize) + "-byte limit");
  }
  if (auto ok = CheckHeaderStart(bytes); !ok) return ok.error();
  const std::size_t length = Read16(bytes, 2);
  if (length % 4 != 0) {
    return Malformed("length " + std::to_string(length) + " not a multiple of 4");
  }
  if (bytes.size() != kHeaderSize + length) {
    return Malformed("length field says " + std::to_string(kHeaderSize + length) + " bytes, got " +
                     std::to_string(bytes.size()));
  }
  Message m;
  if (auto ok = SplitMessageType(Read16(bytes, 0), m); !ok) return ok.error();
  std::copy_n(bytes.begin() + 8, m.transaction.size(), m.transaction.begin());
  auto trailer = ReadAttributes(bytes, m);
  if (!trailer) return trailer.error();
  const auto [integrity_at, fingerprint_at] = *trailer;

  if (fingerprint_at && Read32(bytes, *fingerprint_at + 4) !=
                            (Crc32(bytes.first(*fingerprint_at)) ^ kFingerprintXor)) {
    return Forged("FINGERPRINT does not match");
  }
  if (!options.integrity_key.empty()) {
    if (!integrity_at) return Forged("MESSAGE-INTEGRITY missing");
    auto mac = IntegrityOf(bytes.first(*integrity_at), options.integrity_key);
    if (!mac) return mac.error();
    if (sodium_memcmp(mac->data(), bytes.data() + *integrity_at + 4, mac->size()) != 0) {
      return Forged("MESSAGE-INTEGRITY does not match");
    }
  }
  m.had_integrity = integrity_at.has_value();
  m.had_fingerprint = fingerprint_at.has_value();
  return m;
}

Result<std::optional<std::size_t>> FramedSize(ByteSpan bytes) {
  if (bytes.size() < kHeaderSize) return std::optional<std::size_t>();
  if (auto ok = CheckHeaderStart(bytes); !ok) return ok.error();
  const std::size_t size = kHeaderSize + Read16(bytes, 2);
  if (size > kMaxMessageSize) {
    return Malformed("message of " + std::to_string(size) + " bytes, over the " +
                     std::to_string(kMaxMessageSize) + "-byte limit");
  }
  return std::optional<std::size_t>(size);
}

Bytes LongTermKey(std::string_view user, std::string_view realm, std::string_view password) {
  std::string input;
  input.append(user).append(":").append(realm).append(":").append(password);
  Bytes key(16);
  unsigned int size = 0;
  const bool ok =
      EVP_Digest(input.data(), input.size(), key.data(), &size, EVP_md5(), nullptr) == 1 &&
      size == key.size();
  sodium_memzero(input.data(), input.size());  // it holds the password
  SHOAL_CHECK(ok, "stun: libcrypto has no MD5 (a FIPS-only provider?)");
  return key;
}

TransactionId NewTransactionId() {
  SHOAL_CHECK(EnsureSodium().has_value(), "stun: libsodium cannot initialise");
  TransactionId id{};
  randombytes_buf(id.data(), id.size());
  return id;
}

}  // namespace shoal::net::stun
