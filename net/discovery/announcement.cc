#include "net/discovery/announcement.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "net/noise/secret_bytes.h"

namespace shoal::net {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {'S', 'H', 'L', 'A'};

Unexpected Malformed(const std::string& why) {
  std::string message = "announcement: ";
  message.append(why);
  return Fail(ErrorCode::kProtocol, message);
}

}  // namespace

Bytes EncodeAnnouncement(const Announcement& announcement) {
  SHOAL_CHECK(announcement.listen_port != 0, "announcement: listen port 0");
  Bytes out(kMagic.begin(), kMagic.end());
  out.reserve(kAnnouncementMaxSize);
  out.push_back(kAnnouncementVersion);
  out.push_back(announcement.pairing_tag ? kAnnouncementFlagPairingTag : 0);
  const DeviceId::Key& key = announcement.device.bytes();
  out.insert(out.end(), key.begin(), key.end());
  AppendBigEndian64(out, announcement.instance_id);
  AppendBigEndian16(out, announcement.listen_port);
  if (announcement.pairing_tag) {
    out.insert(out.end(), announcement.pairing_tag->begin(), announcement.pairing_tag->end());
  }
  return out;
}

Result<Announcement> DecodeAnnouncement(ByteSpan bytes) {
  // The header fixes the length, so check it first and read without fear.
  if (bytes.size() < 6) return Malformed("truncated (" + std::to_string(bytes.size()) + " bytes)");
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) return Malformed("wrong magic");
  if (bytes[4] != kAnnouncementVersion) {
    return Malformed("unknown version " + std::to_string(bytes[4]));
  }
  const std::uint8_t flags = bytes[5];
  if ((flags & ~kAnnouncementFlagPairingTag) != 0) {
    return Malformed("unknown flags " + std::to_string(flags));
  }
  const bool has_tag = (flags & kAnnouncementFlagPairingTag) != 0;
  const std::size_t want = has_tag ? kAnnouncementMaxSize : kAnnouncementSize;
  if (bytes.size() != want) {
    return Malformed("expected " + std::to_string(want) + " bytes, got " +
                     std::to_string(bytes.size()));
  }
  ByteReader reader(bytes.subspan(6));
  Announcement a;
  auto key = reader.ReadBytes(DeviceId::kSize);
  auto instance = reader.ReadBigEndian64();
  auto port = reader.ReadBigEndian16();
  if (!key || !instance || !port) return Malformed("truncated");  // unreachable: size checked
  auto device = DeviceId::FromBytes(*key);
  if (!device) return device.error().Wrap("announcement");
  if (*device == DeviceId()) return Malformed("all-zero device ID");
  if (*port == 0) return Malformed("listen port 0");
  a.device = *device;
  a.instance_id = *instance;
  a.listen_port = *port;
  if (has_tag) {
    auto tag = reader.ReadBytes(PairingTag().size());
    if (!tag) return Malformed("truncated pairing tag");  // unreachable: size checked
    a.pairing_tag.emplace();
    std::copy(tag->begin(), tag->end(), a.pairing_tag->begin());
  }
  return a;
}

Result<PairingTag> DerivePairingTag(ByteSpan invite_secret) {
  if (invite_secret.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "pairing tag: empty invite secret");
  }
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  // crypto_auth_hmacsha256() wants a 32-byte key; the init/update/final form
  // takes a key of any length, as HMAC does.
  crypto_auth_hmacsha256_state state;
  std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  const bool ok =
      crypto_auth_hmacsha256_init(&state, invite_secret.data(), invite_secret.size()) == 0 &&
      crypto_auth_hmacsha256_update(&state,
                                    reinterpret_cast<const unsigned char*>(kPairingTagLabel),
                                    sizeof(kPairingTagLabel) - 1) == 0 &&
      crypto_auth_hmacsha256_final(&state, mac.data()) == 0;
  PairingTag tag{};
  std::copy_n(mac.begin(), tag.size(), tag.begin());
  // The state holds key-derived pads and the rest of the MAC is unused: wipe both.
  sodium_memzero(&state, sizeof(state));
  sodium_memzero(mac.data(), mac.size());
  if (!ok) return Fail(ErrorCode::kCrypto, "pairing tag: HMAC-SHA256 failed");
  return tag;
}

Result<std::uint64_t> NewInstanceId() {
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  std::uint64_t id = 0;
  randombytes_buf(&id, sizeof(id));
  return id;
}

}  // namespace shoal::net
