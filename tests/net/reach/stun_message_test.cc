#include "net/reach/stun_message.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace shoal::net::stun {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  REQUIRE(bytes);
  return *bytes;
}

ByteSpan Text(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TransactionId Transaction(std::string_view hex) {
  const Bytes bytes = Hex(hex);
  REQUIRE(bytes.size() == 12);
  TransactionId id{};
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

// RFC 5769 section 2, transcribed from the RFC text, one attribute per
// line. Each FINGERPRINT and MESSAGE-INTEGRITY was recomputed with python3's
// zlib.crc32 and hmac before use, so the transcription is exact.
constexpr char kShortTermPassword[] = "VOkJxbRl1RmTxUk/WvJxBt";
constexpr char kRfcTransaction[] = "b7e7a701bc34d686fa87dfae";

// 2.1 Sample Request.
constexpr char kSampleRequest[] =
    "000100582112a442b7e7a701bc34d686fa87dfae"          // header
    "802200105354554e207465737420636c69656e74"          // SOFTWARE "STUN test client"
    "002400046e0001ff"                                  // PRIORITY
    "80290008932ff9b151263b36"                          // ICE-CONTROLLED
    "000600096576746a3a68367659202020"                  // USERNAME, padded with spaces
    "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"  // MESSAGE-INTEGRITY
    "80280004e57a3bcf";                                 // FINGERPRINT
// 2.2 Sample IPv4 Response.
constexpr char kSampleIpv4Response[] =
    "0101003c2112a442b7e7a701bc34d686fa87dfae"          // header
    "8022000b7465737420766563746f7220"                  // SOFTWARE, padded with a space
    "002000080001a147e112a643"                          // XOR-MAPPED-ADDRESS 192.0.2.1:32853
    "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"  // MESSAGE-INTEGRITY
    "80280004c07d4c96";                                 // FINGERPRINT
// 2.3 Sample IPv6 Response.
constexpr char kSampleIpv6Response[] =
    "010100482112a442b7e7a701bc34d686fa87dfae"          // header
    "8022000b7465737420766563746f7220"                  // SOFTWARE, padded with a space
    "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"  // XOR-MAPPED-ADDRESS
    "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"  // MESSAGE-INTEGRITY
    "80280004c8fb0b4c";                                 // FINGERPRINT
// 2.4 Sample Request with Long-Term Authentication (no FINGERPRINT).
constexpr char kSampleLongTermRequest[] =
    "000100602112a44278ad3433c6ad72c029da412e"                          // header
    "00060012e3839ee38388e383aae38383e382afe382b90000"                  // USERNAME, zero-padded
    "0015001c662f2f3439396b39353464364f4c33346f4c39465354767936347341"  // NONCE
    "0014000b6578616d706c652e6f726700"                   // REALM "example.org", zero-padded
    "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";  // MESSAGE-INTEGRITY
constexpr char kLongTermUser[] =
    "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
constexpr char kLongTermNonce[] = "f//499k954d6OL34oL9FSTvy64sA";

Bytes ShortTermKey() {
  return Bytes(Text(kShortTermPassword).begin(), Text(kShortTermPassword).end());
}

// Offsets of every attribute value byte (padding included) in a well-formed
// message: flipping one of them must break MESSAGE-INTEGRITY or FINGERPRINT.
std::vector<std::size_t> ValueOffsets(const Bytes& message) {
  std::vector<std::size_t> offsets;
  for (std::size_t pos = kHeaderSize; pos < message.size();) {
    const std::size_t size = static_cast<std::size_t>(message[pos + 2] << 8 | message[pos + 3]);
    const std::size_t padded = (size + 3) / 4 * 4;
    for (std::size_t i = 0; i < padded; ++i) offsets.push_back(pos + 4 + i);
    pos += 4 + padded;
  }
  return offsets;
}

// The checks every RFC 5769 vector gets: it decodes with its key, both
// checks count, a wrong key or any flipped byte fails, and a flip in the
// transaction ID or an attribute value fails as kCrypto.
Message CheckVector(const Bytes& vector, ByteSpan key, bool has_fingerprint) {
  auto decoded = Decode(vector, {.integrity_key = key});
  REQUIRE(decoded);
  CHECK(decoded->had_integrity);
  CHECK(decoded->had_fingerprint == has_fingerprint);
  auto unkeyed = Decode(vector);
  REQUIRE(unkeyed);
  CHECK(unkeyed->attributes == decoded->attributes);

  Bytes wrong_key(key.begin(), key.end());
  wrong_key.back() ^= 1;
  auto wrong = Decode(vector, {.integrity_key = wrong_key});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::kCrypto);

  std::vector<std::size_t> crypto_only = ValueOffsets(vector);
  for (std::size_t i = 8; i < kHeaderSize; ++i) crypto_only.push_back(i);
  for (std::size_t pos = 0; pos < vector.size(); ++pos) {
    Bytes bad = vector;
    bad[pos] ^= 0x01;
    INFO("flipped byte " << pos);
    auto result = Decode(bad, {.integrity_key = key});
    REQUIRE_FALSE(result);
    if (std::count(crypto_only.begin(), crypto_only.end(), pos) != 0) {
      CHECK(result.error().code == ErrorCode::kCrypto);
    }
  }
  CHECK(FramedSize(vector).value() == vector.size());
  return *decoded;
}

// What our Encode makes of a vector whose padding bytes are spaces: the
// same bytes with zero padding, so the MAC and CRC differ too. Checks that
// only those bytes differ.
void CheckDiffersOnlyInPaddingAndChecks(const Bytes& ours, const Bytes& rfc,
                                        std::vector<std::size_t> padding) {
  REQUIRE(ours.size() == rfc.size());
  const std::size_t mac_at = rfc.size() - 8 - 20;  // the MESSAGE-INTEGRITY value
  for (std::size_t pos = 0; pos < rfc.size(); ++pos) {
    INFO("byte " << pos);
    if (std::count(padding.begin(), padding.end(), pos) != 0) {
      CHECK(rfc[pos] == 0x20);
      CHECK(ours[pos] == 0x00);
    } else if (pos < mac_at || (pos >= mac_at + 20 && pos < rfc.size() - 4)) {
      CHECK(ours[pos] == rfc[pos]);
    }
  }
}

std::string ReasonFor(ByteSpan bytes, ErrorCode code = ErrorCode::kProtocol, ByteSpan key = {}) {
  auto decoded = Decode(bytes, {.integrity_key = key});
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == code);
  return decoded.error().message;
}

void SetLength(Bytes& message) {
  const std::size_t length = message.size() - kHeaderSize;
  message[2] = static_cast<std::uint8_t>(length >> 8);
  message[3] = static_cast<std::uint8_t>(length);
}

}  // namespace

TEST_CASE("RFC 5769 2.1: the sample request checks out and reads back as the RFC says", "[stun]") {
  const Bytes rfc = Hex(kSampleRequest);
  const Message m = CheckVector(rfc, ShortTermKey(), /*has_fingerprint=*/true);
  CHECK(m.method == Method::kBinding);
  CHECK(m.cls == Class::kRequest);
  CHECK(m.transaction == Transaction(kRfcTransaction));
  REQUIRE(m.attributes.size() == 4);
  CHECK(m.attributes[0].type == attr::kSoftware);
  CHECK(m.GetString(attr::kSoftware) == "STUN test client");
  CHECK(m.attributes[1].type == 0x0024);  // PRIORITY
  CHECK(m.GetU32(0x0024) == 0x6e0001ffu);
  CHECK(m.attributes[2] == Attribute{0x8029, Hex("932ff9b151263b36")});  // ICE-CONTROLLED
  CHECK(m.attributes[3].type == attr::kUsername);
  CHECK(m.GetString(attr::kUsername) == "evtj:h6vY");

  // The RFC pads USERNAME with spaces and we pad with zeros, so Encode
  // cannot give the RFC's bytes: it gives them with zero padding and the
  // MAC and CRC over that (python3 hmac and zlib.crc32 computed these).
  auto ours = Encode(m, {.integrity_key = ShortTermKey(), .fingerprint = true});
  REQUIRE(ours);
  CHECK(HexEncode(*ours) ==
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e7400240004"
        "6e0001ff80290008932ff9b151263b36000600096576746a3a683676590000000008001479"
        "07c2d2edbfea480e4c76d82962d5c3742af9e380280004e352928d");
  CheckDiffersOnlyInPaddingAndChecks(*ours, rfc, {73, 74, 75});
  CHECK(Decode(*ours, {.integrity_key = ShortTermKey()}));
}

TEST_CASE("RFC 5769 2.2 and 2.3: the sample responses give the mapped addresses", "[stun]") {
  struct Case {
    const char* rfc_hex;
    const char* address;
    const char* ours_hex;  // zero padding, so another MAC and CRC (python3)
  };
  const Case cases[] = {
      {kSampleIpv4Response, "192.0.2.1:32853",
       "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f720000200008"
       "0001a147e112a643000800145d6b58bead94e07eef0dfc1282a2bd08431410288028000425167a15"},
      {kSampleIpv6Response, "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
       "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f720000200014"
       "0002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014bd036d6a331750dfe2edc58e643455cf"
       "f5c8e264802800044f260293"},
  };
  for (const Case& c : cases) {
    INFO(c.address);
    const Bytes rfc = Hex(c.rfc_hex);
    const Message m = CheckVector(rfc, ShortTermKey(), /*has_fingerprint=*/true);
    CHECK(m.method == Method::kBinding);
    CHECK(m.cls == Class::kSuccess);
    CHECK(m.transaction == Transaction(kRfcTransaction));
    REQUIRE(m.attributes.size() == 2);
    CHECK(m.GetString(attr::kSoftware) == "test vector");
    auto mapped = m.GetXorAddress(attr::kXorMappedAddress);
    REQUIRE(mapped);
    CHECK(mapped->ToString() == c.address);
    CHECK(*mapped == Address::Parse(c.address).value());

    // SOFTWARE is padded with a space in the RFC: as for 2.1, Encode gives
    // the zero-padded form. Building the message from scratch gives the same.
    Message built;
    built.method = Method::kBinding;
    built.cls = Class::kSuccess;
    built.transaction = Transaction(kRfcTransaction);
    built.AddString(attr::kSoftware, "test vector");
    built.AddXorAddress(attr::kXorMappedAddress, *mapped);
    CHECK(built.attributes == m.attributes);
    auto ours = Encode(built, {.integrity_key = ShortTermKey(), .fingerprint = true});
    REQUIRE(ours);
    CHECK(HexEncode(*ours) == c.ours_hex);
    CheckDiffersOnlyInPaddingAndChecks(*ours, rfc, {35});
  }
}

TEST_CASE("RFC 5769 2.4: the long-term request checks with MD5(user:realm:password)", "[stun]") {
  const Bytes key = LongTermKey(kLongTermUser, "example.org", "TheMatrIX");
  // python3: hashlib.md5("マトリックス:example.org:TheMatrIX".encode()).hexdigest()
  CHECK(HexEncode(key) == "e8ca7ad59d5eb0518e312911d2dab2a9");
  const Bytes rfc = Hex(kSampleLongTermRequest);
  const Message m = CheckVector(rfc, key, /*has_fingerprint=*/false);
  CHECK(m.method == Method::kBinding);
  CHECK(m.cls == Class::kRequest);
  CHECK(m.transaction == Transaction("78ad3433c6ad72c029da412e"));
  REQUIRE(m.attributes.size() == 3);
  CHECK(m.GetString(attr::kUsername) == kLongTermUser);
  CHECK(m.GetString(attr::kNonce) == kLongTermNonce);
  CHECK(m.GetString(attr::kRealm) == "example.org");
  // This vector pads with zeros, so Encode reproduces it byte for byte.
  auto ours = Encode(m, {.integrity_key = key});
  REQUIRE(ours);
  CHECK(HexEncode(*ours) == HexEncode(rfc));
}

TEST_CASE("message types interleave method and class bits as RFC 8489 section 5 says", "[stun]") {
  const std::pair<Method, Class> known[] = {{Method::kBinding, Class::kRequest},
                                            {Method::kBinding, Class::kIndication},
                                            {Method::kBinding, Class::kSuccess},
                                            {Method::kBinding, Class::kError},
                                            {Method::kAllocate, Class::kSuccess},
                                            {Method::kAllocate, Class::kError},
                                            {Method::kConnectionAttempt, Class::kIndication}};
  const char* types[] = {"0001", "0011", "0101", "0111", "0103", "0113", "001c"};
  for (std::size_t i = 0; i < std::size(known); ++i) {
    Message m;
    std::tie(m.method, m.cls) = known[i];
    auto bytes = Encode(m);
    REQUIRE(bytes);
    CHECK(HexEncode(ByteSpan(*bytes).first(2)) == types[i]);
  }
  // Every 14-bit type: only the known methods decode, to the same type.
  Bytes header = Hex("000000002112a442000000000000000000000000");
  int accepted = 0;
  for (unsigned type = 0; type < 0x4000; ++type) {
    header[0] = static_cast<std::uint8_t>(type >> 8);
    header[1] = static_cast<std::uint8_t>(type);
    auto decoded = Decode(header);
    if (!decoded) {
      CHECK_THAT(decoded.error().message, Catch::Contains("unknown method 0x"));
      continue;
    }
    ++accepted;
    CHECK(Encode(*decoded).value() == header);
  }
  CHECK(accepted == 7 * 4);
  header[0] = 0x00;
  header[1] = 0x02;  // RFC 3489's Shared Secret
  CHECK_THAT(ReasonFor(header), Catch::Equals("stun: unknown method 0x0002"));
}

TEST_CASE("random messages round-trip with and without integrity and fingerprint", "[stun]") {
  std::mt19937 rng(0x57u);
  auto below = [&rng](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  auto bytes = [&](std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  };
  const Method methods[] = {Method::kBinding,          Method::kAllocate, Method::kRefresh,
                            Method::kCreatePermission, Method::kConnect,  Method::kConnectionBind,
                            Method::kConnectionAttempt};
  const std::uint16_t string_types[] = {attr::kUsername, attr::kRealm, attr::kNonce,
                                        attr::kSoftware};
  const std::uint16_t u32_types[] = {attr::kLifetime, attr::kConnectionId,
                                     attr::kRequestedTransport};
  const std::uint16_t address_types[] = {attr::kXorMappedAddress, attr::kXorRelayedAddress,
                                         attr::kXorPeerAddress};
  for (int round = 0; round < 3000; ++round) {
    Message m;
    m.method = methods[below(std::size(methods))];
    m.cls = static_cast<Class>(below(4));
    const Bytes id = bytes(12);
    std::copy(id.begin(), id.end(), m.transaction.begin());
    std::vector<std::pair<std::uint16_t, Address>> addresses;  // first of each type
    const std::uint32_t count = below(9);
    for (std::uint32_t i = 0; i < count; ++i) {
      switch (below(5)) {
        case 0: {
          const Bytes text = bytes(below(41));
          m.AddBytes(string_types[below(4)], text);
          break;
        }
        case 1:
          m.AddU32(u32_types[below(3)], static_cast<std::uint32_t>(rng()));
          break;
        case 2: {
          Address a;
          a.ipv6 = below(2) == 1;
          const Bytes ip = bytes(a.ipv6 ? 16 : 4);
          std::copy(ip.begin(), ip.end(), a.ip.begin());
          a.port = static_cast<std::uint16_t>(rng());
          const std::uint16_t type = address_types[below(3)];
          if (!m.Find(type)) addresses.emplace_back(type, a);
          m.AddXorAddress(type, a);
          break;
        }
        case 3:
          m.AddErrorCode(300 + static_cast<int>(below(400)), "reason " + std::to_string(rng()));
          break;
        default: {  // unknown: comprehension-required (< 0x8000) and -optional
          const auto type = static_cast<std::uint16_t>((below(2) << 15) | (0x100 + below(0x7e00)));
          m.AddBytes(type, bytes(below(31)));
        }
      }
    }
    const Bytes key = below(2) == 1 ? bytes(1 + below(32)) : Bytes();
    const bool fingerprint = below(2) == 1;
    INFO("round " << round);
    auto encoded = Encode(m, {.integrity_key = key, .fingerprint = fingerprint});
    REQUIRE(encoded);
    REQUIRE(encoded->size() % 4 == 0);
    auto decoded = Decode(*encoded, {.integrity_key = key});
    REQUIRE(decoded);
    REQUIRE(decoded->method == m.method);
    REQUIRE(decoded->cls == m.cls);
    REQUIRE(decoded->transaction == m.transaction);
    REQUIRE(decoded->attributes == m.attributes);
    REQUIRE(decoded->had_integrity == !key.empty());
    REQUIRE(decoded->had_fingerprint == fingerprint);
    for (const auto& [type, address] : addresses) REQUIRE(decoded->GetXorAddress(type) == address);
    if (const auto* error = m.Find(attr::kErrorCode)) {
      REQUIRE(decoded->GetErrorCode()->code == 100 * error->value[2] + error->value[3]);
    }
    REQUIRE(Decode(*encoded));  // without the key, MESSAGE-INTEGRITY is skipped
    Bytes stream = *encoded;
    stream.insert(stream.end(), {0x00, 0x01});  // the next message's first bytes
    REQUIRE(FramedSize(stream).value() == encoded->size());
  }
}

TEST_CASE("typed attributes read back and refuse malformed values", "[stun]") {
  Message m;
  m.transaction = Transaction(kRfcTransaction);
  m.AddErrorCode(401, "Unauthorized");
  CHECK(m.Find(attr::kErrorCode)->value == Hex("00000401556e617574686f72697a6564"));
  CHECK(m.GetErrorCode()->code == 401);
  CHECK(m.GetErrorCode()->reason == "Unauthorized");
  m.AddU32(attr::kLifetime, 600);
  CHECK(m.Find(attr::kLifetime)->value == Hex("00000258"));
  CHECK(m.GetU32(attr::kLifetime) == 600u);
  CHECK_FALSE(m.GetU32(attr::kRealm));  // absent
  CHECK_FALSE(m.GetXorAddress(attr::kXorPeerAddress));
  CHECK_FALSE(m.GetMappedAddress());

  Message bad;
  bad.AddBytes(attr::kLifetime, Hex("000258"));
  bad.AddBytes(attr::kXorMappedAddress, Hex("0001a147e112a64300"));  // 9 bytes
  bad.AddBytes(attr::kXorRelayedAddress, Hex("0003a147e112a643"));   // family 3
  bad.AddBytes(attr::kXorPeerAddress, Hex("0002a147e112a643"));      // v6 in 8 bytes
  bad.AddBytes(attr::kMappedAddress, Hex("0001"));                   // short
  bad.AddBytes(attr::kErrorCode, Hex("00000464"));                   // number 100
  CHECK_FALSE(bad.GetU32(attr::kLifetime));
  CHECK_FALSE(bad.GetXorAddress(attr::kXorMappedAddress));
  CHECK_FALSE(bad.GetXorAddress(attr::kXorRelayedAddress));
  CHECK_FALSE(bad.GetXorAddress(attr::kXorPeerAddress));
  CHECK_FALSE(bad.GetMappedAddress());
  CHECK_FALSE(bad.GetErrorCode());
  for (const char* value : {"00000200", "00000700", "000003"}) {  // class 2, class 7, short
    Message e;
    e.AddBytes(attr::kErrorCode, Hex(value));
    CHECK_FALSE(e.GetErrorCode());
  }
  Message reserved;  // the 21 reserved bits are ignored
  reserved.AddBytes(attr::kErrorCode, Hex("0000fb63"));
  CHECK(reserved.GetErrorCode()->code == 399);
  Message plain;  // MAPPED-ADDRESS is not xor'ed
  plain.AddBytes(attr::kMappedAddress, Hex("00011f90c6336401"));
  CHECK(plain.GetMappedAddress()->ToString() == "198.51.100.1:8080");
}

TEST_CASE("addresses parse and print numeric IPv4 and bracketed IPv6 only", "[stun]") {
  for (const char* text : {"198.51.100.10:50000", "[2001:db8::1]:3478", "0.0.0.0:0", "[::]:1"}) {
    auto a = Address::Parse(text);
    REQUIRE(a);
    CHECK(a->ToString() == text);
  }
  auto v6 = Address::Parse("[2001:DB8:0::1]:3478");
  REQUIRE(v6);
  CHECK(v6->ipv6);
  CHECK(v6->HostString() == "2001:db8::1");
  CHECK(Address::Parse("10.1.2.3:9")->HostString() == "10.1.2.3");
  for (const char* text : {"", "turn.example.org:3478", "10.1.2.3", "[10.1.2.3]:1", "::1:5",
                           "[fe80::1%eth0]:1", "10.1.2.3:65536", "256.1.1.1:1", "[::1]"}) {
    INFO(text);
    auto a = Address::Parse(text);
    REQUIRE_FALSE(a);
    CHECK(a.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("malformed messages are refused with the reason", "[stun]") {
  Message m;
  m.method = Method::kAllocate;
  m.transaction = Transaction(kRfcTransaction);
  m.AddString(attr::kRealm, "realm");  // 5 bytes: 3 bytes of padding
  const Bytes good = Encode(m).value();
  REQUIRE(good.size() == 32);

  CHECK_THAT(ReasonFor(ByteSpan(good).first(19)), Catch::Contains("truncated: 19 bytes"));
  Bytes huge(kMaxMessageSize + 4, 0);
  std::copy(good.begin(), good.begin() + 20, huge.begin());
  SetLength(huge);
  CHECK_THAT(ReasonFor(huge), Catch::Contains("over the 4096-byte limit"));
  Bytes top = good;
  top[0] |= 0x40;
  CHECK_THAT(ReasonFor(top), Catch::Contains("top two bits"));
  Bytes cookie = good;
  cookie[7] ^= 1;
  CHECK_THAT(ReasonFor(cookie), Catch::Contains("wrong magic cookie"));
  Bytes odd = good;
  odd[3] = 11;
  CHECK_THAT(ReasonFor(odd), Catch::Contains("not a multiple of 4"));
  Bytes longer = good;
  longer.insert(longer.end(), 4, 0);
  CHECK_THAT(ReasonFor(longer), Catch::Contains("length field says 32 bytes, got 36"));
  Bytes past = good;
  past[23] = 9;  // REALM claims 9 bytes, 8 are left
  CHECK_THAT(ReasonFor(past), Catch::Contains("attribute 0x0014 of 9 bytes runs past the end"));

  // Padding content is not checked (no MESSAGE-INTEGRITY or FINGERPRINT here).
  Bytes padding = good;
  std::fill(padding.end() - 3, padding.end(), 0xff);
  CHECK(Decode(padding).value().attributes == m.attributes);

  const Bytes key = Hex("00112233");
  const Bytes sealed = Encode(m, {.integrity_key = key, .fingerprint = true}).value();
  Bytes after_fingerprint = sealed;
  after_fingerprint.insert(after_fingerprint.end(), {0x80, 0x22, 0x00, 0x00});
  SetLength(after_fingerprint);
  CHECK_THAT(ReasonFor(after_fingerprint), Catch::Contains("attribute 0x8022 after FINGERPRINT"));
  Bytes after_integrity(sealed.begin(), sealed.end() - 8);
  after_integrity.insert(after_integrity.end(), {0x00, 0x06, 0x00, 0x00});
  SetLength(after_integrity);
  CHECK_THAT(ReasonFor(after_integrity),
             Catch::Contains("attribute 0x0006 after MESSAGE-INTEGRITY"));
  Bytes short_mac = Hex("000300082112a442b7e7a701bc34d686fa87dfae0008000400000000");
  CHECK_THAT(ReasonFor(short_mac), Catch::Contains("MESSAGE-INTEGRITY of 4 bytes"));
  Bytes long_crc = Hex("000300082112a442b7e7a701bc34d686fa87dfae802800080000000000000000");
  SetLength(long_crc);
  CHECK_THAT(ReasonFor(long_crc), Catch::Contains("FINGERPRINT of 8 bytes"));

  Bytes crc = sealed;
  crc.back() ^= 1;
  CHECK_THAT(ReasonFor(crc, ErrorCode::kCrypto), Catch::Contains("FINGERPRINT does not match"));
  Bytes mac = sealed;
  mac[good.size() + 4] ^= 1;  // FINGERPRINT covers MESSAGE-INTEGRITY and is checked first
  CHECK_THAT(ReasonFor(mac, ErrorCode::kCrypto), Catch::Contains("FINGERPRINT does not match"));
  Bytes mac_only = Encode(m, {.integrity_key = key}).value();
  mac_only.back() ^= 1;
  CHECK(Decode(mac_only).value().had_integrity);  // no key: present, unchecked
  CHECK_THAT(ReasonFor(mac_only, ErrorCode::kCrypto, key),
             Catch::Contains("MESSAGE-INTEGRITY does not match"));
  CHECK_THAT(ReasonFor(good, ErrorCode::kCrypto, key),
             Catch::Contains("MESSAGE-INTEGRITY missing"));
}

TEST_CASE("every truncation of a valid message fails cleanly", "[stun]") {
  for (const char* vector : {kSampleRequest, kSampleIpv6Response, kSampleLongTermRequest}) {
    const Bytes whole = Hex(vector);
    for (std::size_t n = 0; n < whole.size(); ++n) {
      INFO("first " << n << " bytes");
      const ByteSpan cut = ByteSpan(whole).first(n);
      auto decoded = Decode(cut);
      REQUIRE_FALSE(decoded);
      CHECK(decoded.error().code == ErrorCode::kProtocol);
      // A stream reader waits for the header, then for the whole message.
      auto framed = FramedSize(cut);
      REQUIRE(framed);
      CHECK(framed->has_value() == (n >= kHeaderSize));
      if (framed->has_value()) CHECK(**framed == whole.size());
    }
  }
}

TEST_CASE("FramedSize waits for a header and refuses non-STUN or oversized ones", "[stun]") {
  Bytes header = Hex("000100002112a442b7e7a701bc34d686fa87dfae");
  CHECK(FramedSize({}).value() == std::nullopt);
  CHECK(FramedSize(ByteSpan(header).first(19)).value() == std::nullopt);
  CHECK(FramedSize(header).value() == 20u);
  header[2] = 0x0f;
  header[3] = 0xec;  // 20 + 4076 = 4096
  CHECK(FramedSize(header).value() == kMaxMessageSize);
  header[3] = 0xf0;
  auto big = FramedSize(header);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == ErrorCode::kProtocol);
  CHECK_THAT(big.error().message, Catch::Contains("4100 bytes"));
  header[2] = header[3] = 0;
  header[0] = 0x40;  // a ChannelData message, not STUN
  CHECK_THAT(FramedSize(header).error().message, Catch::Contains("top two bits"));
  header[0] = 0;
  header[4] = 0;
  CHECK_THAT(FramedSize(header).error().message, Catch::Contains("wrong magic cookie"));
}

TEST_CASE("Encode refuses oversized messages and caller-made integrity attributes", "[stun]") {
  Message m;
  m.AddBytes(attr::kSoftware, Bytes(70000, 'x'));
  CHECK(Encode(m).error().code == ErrorCode::kInvalidArgument);
  // 20 + 4 + 4072 = 4096 fits; with FINGERPRINT's 8 more it does not.
  m.attributes[0].value.resize(4072);
  CHECK(Encode(m).value().size() == kMaxMessageSize);
  CHECK(Encode(m, {.integrity_key = {}, .fingerprint = true}).error().code ==
        ErrorCode::kInvalidArgument);
  m.attributes[0].value.resize(4069);  // padding takes it to 4096 too
  CHECK(Encode(m).value().size() == kMaxMessageSize);
  m.attributes[0].value.resize(4073);
  CHECK(Encode(m).error().code == ErrorCode::kInvalidArgument);
  for (std::uint16_t type : {attr::kMessageIntegrity, attr::kFingerprint}) {
    Message own;
    own.AddBytes(type, Bytes(type == attr::kFingerprint ? 4 : 20));
    CHECK(Encode(own).error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("transaction IDs are random per call", "[stun]") {
  CHECK(NewTransactionId() != NewTransactionId());
}

// Writes the fuzz seeds (tests/fuzz/corpus/fuzz_stun/): the RFC 5769 vectors
// and the TURN messages Shoal sends and receives. Hidden; regenerate with
//   build/tests/shoal_tests '[stun-corpus]'
// The key is the one tests/fuzz/fuzz_stun.cc decodes with.
TEST_CASE("write the STUN fuzz seed corpus", "[.stun-corpus]") {
  const auto dir = std::filesystem::path(SHOAL_TEST_DATA_DIR) / "../fuzz/corpus/fuzz_stun";
  std::filesystem::create_directories(dir);
  auto write = [&dir](const std::string& name, ByteSpan bytes) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
  };
  write("rfc5769-2.1", Hex(kSampleRequest));
  write("rfc5769-2.2", Hex(kSampleIpv4Response));
  write("rfc5769-2.3", Hex(kSampleIpv6Response));
  write("rfc5769-2.4", Hex(kSampleLongTermRequest));

  const ByteSpan key = Text("shoal-fuzz-stun-key");
  auto message = [](Method method, Class cls) {
    Message m;
    m.method = method;
    m.cls = cls;
    m.transaction = Transaction("0102030405060708090a0b0c");
    return m;
  };
  Message allocate = message(Method::kAllocate, Class::kRequest);
  allocate.AddU32(attr::kRequestedTransport, std::uint32_t{kTransportTcp} << 24);
  allocate.AddU32(attr::kLifetime, 600);
  write("allocate-request", Encode(allocate, {.integrity_key = {}, .fingerprint = true}).value());
  Message challenge = message(Method::kAllocate, Class::kError);
  challenge.AddErrorCode(401, "Unauthorized");
  challenge.AddString(attr::kRealm, "example.org");
  challenge.AddString(attr::kNonce, "f//499k954d6OL34oL9FSTvy64sA");
  write("allocate-401", Encode(challenge, {.integrity_key = {}, .fingerprint = true}).value());
  Message allocated = message(Method::kAllocate, Class::kSuccess);
  allocated.AddXorAddress(attr::kXorRelayedAddress, Address::Parse("203.0.113.5:49152").value());
  allocated.AddXorAddress(attr::kXorMappedAddress, Address::Parse("[2001:db8::7]:50000").value());
  allocated.AddU32(attr::kLifetime, 600);
  allocated.AddString(attr::kSoftware, "coturn");
  write("allocate-success", Encode(allocated, {.integrity_key = key, .fingerprint = true}).value());
  Message permission = message(Method::kCreatePermission, Class::kRequest);
  permission.AddXorAddress(attr::kXorPeerAddress, Address::Parse("198.51.100.10:0").value());
  permission.AddString(attr::kUsername, "device");
  write("create-permission", Encode(permission, {.integrity_key = key}).value());
  Message attempt = message(Method::kConnectionAttempt, Class::kIndication);
  attempt.AddU32(attr::kConnectionId, 0x01020304);
  attempt.AddXorAddress(attr::kXorPeerAddress, Address::Parse("198.51.100.10:22000").value());
  write("connection-attempt", Encode(attempt).value());
  Message bind = message(Method::kConnectionBind, Class::kRequest);
  bind.AddU32(attr::kConnectionId, 0x01020304);
  write("connection-bind", Encode(bind, {.integrity_key = key, .fingerprint = true}).value());
}

}  // namespace shoal::net::stun
