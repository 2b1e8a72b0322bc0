// Announcement: the UDP packet a daemon sends on the LAN so that others learn
// where it listens (docs/protocol.md "Discovery"; DESIGN.md "Discovery and
// reachability"). It is a hint, never proof: anyone can send one, and only
// the Noise handshake that follows authenticates the device.
//
//   offset 0   4 bytes  magic "SHLA" (53 48 4C 41)
//   offset 4   u8       version (kAnnouncementVersion = 1)
//   offset 5   u8       flags: bit 0 = pairing tag present; other bits 0
//   offset 6   32 bytes device ID (the Noise static public key)
//   offset 38  u64 BE   instance ID, random per daemon start
//   offset 46  u16 BE   TCP listen port, nonzero
//   offset 48  16 bytes pairing tag, only with flag bit 0
//
// Pure and bounds-checked; fuzzed by tests/fuzz/fuzz_announcement.cc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/device_id.h"

namespace shoal::net {

inline constexpr std::uint8_t kAnnouncementVersion = 1;
inline constexpr std::size_t kAnnouncementSize = 48;          // without a pairing tag
inline constexpr std::size_t kAnnouncementMaxSize = 48 + 16;  // with one
inline constexpr std::uint8_t kAnnouncementFlagPairingTag = 0x01;

// First 16 bytes of HMAC-SHA256(key = invite secret, "shoal/pair/tag/v1").
// A device with an active invite puts it in its announcements so that the
// device redeeming the code can tell it apart on the LAN. The HMAC and the
// label keep it independent of the pairing psk ("shoal/pair/psk/v1"): an
// observer learns that *some* invite is active, nothing about the secret.
using PairingTag = std::array<std::uint8_t, 16>;
inline constexpr char kPairingTagLabel[] = "shoal/pair/tag/v1";

struct Announcement {
  DeviceId device;
  std::uint64_t instance_id = 0;
  std::uint16_t listen_port = 0;
  std::optional<PairingTag> pairing_tag;

  friend bool operator==(const Announcement&, const Announcement&) = default;
};

// 48 or 64 bytes. `announcement.listen_port` must be nonzero (checked).
Bytes EncodeAnnouncement(const Announcement& announcement);

// Fails with kProtocol, naming the reason, on a wrong magic or version,
// unknown flag bits, a wrong length (truncated or trailing bytes), an
// all-zero device ID or a zero listen port. Never reads out of bounds.
Result<Announcement> DecodeAnnouncement(ByteSpan bytes);

// Fails with kInvalidArgument on an empty secret (invite secrets are 16
// bytes) and kCrypto if libsodium cannot initialise.
Result<PairingTag> DerivePairingTag(ByteSpan invite_secret);

// A fresh random instance ID (libsodium CSPRNG), for one daemon start.
Result<std::uint64_t> NewInstanceId();

}  // namespace shoal::net
