#include "tests/net/wire/random_messages.h"

#include <limits>

namespace shoal::net::wire::testing {
namespace {

// A mix of 1- to 4-byte UTF-8 sequences.
constexpr const char* kPieces[] = {
    "a", "Z", "/", ".", " ", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x90\x9f"};

std::uint64_t Wide(SplitMix64& rng) {
  // Small values most of the time (short varints), full range sometimes.
  switch (rng.Below(4)) {
    case 0:
      return rng.Below(128);
    case 1:
      return rng.Below(1u << 20);
    default:
      return rng.Next();
  }
}

std::int64_t NonNegative(SplitMix64& rng) {
  return static_cast<std::int64_t>(
      Wide(rng) & static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

Hash128 RandomHash(SplitMix64& rng) {
  Hash128 h;
  for (auto& b : h.bytes) b = static_cast<std::uint8_t>(rng.Next());
  return h;
}

}  // namespace

std::string RandomText(SplitMix64& rng, std::size_t max_len) {
  std::string text;
  std::size_t target =
      rng.Below(rng.Below(8) == 0 ? max_len + 1 : std::min<std::size_t>(max_len, 24) + 1);
  while (true) {
    std::string_view piece = kPieces[rng.Below(std::size(kPieces))];
    if (text.size() + piece.size() > target) break;
    text += piece;
  }
  return text;
}

FileInfo RandomFileInfo(SplitMix64& rng) {
  FileInfo f;
  f.name = RandomText(rng, kMaxNameLen);
  f.type = static_cast<FileType>(rng.Below(3));
  f.size = NonNegative(rng);
  f.mtime_ns = static_cast<std::int64_t>(rng.Next());
  f.permissions = static_cast<std::uint32_t>(rng.Below(07777 + 1));
  f.deleted = rng.Below(4) == 0;
  for (std::uint64_t i = rng.Below(4); i > 0; --i) f.version.Set(rng.Next(), Wide(rng) | 1);
  f.sequence = NonNegative(rng);
  for (std::uint64_t i = rng.Below(6); i > 0; --i) {
    f.blocks.push_back({static_cast<std::uint32_t>(1 + rng.Below(kMaxBlockSize)), RandomHash(rng)});
  }
  if (f.type == FileType::kSymlink) f.symlink_target = RandomText(rng, kMaxNameLen);
  if (rng.Below(4) == 0) {  // a block-list delta, whatever the type: the engine checks that
    BlockListDelta& delta = f.blocks_delta.emplace();
    if (rng.Below(2) == 0) delta.base_name = RandomText(rng, kMaxNameLen);
    for (std::uint64_t i = rng.Below(4); i > 0; --i) delta.base.Set(rng.Next(), Wide(rng) | 1);
    delta.keep_prefix = rng.Below(kMaxFileBlocks + 1);
    delta.keep_suffix = rng.Below(4) == 0 ? kMaxFileBlocks : rng.Below(100);
  }
  return f;
}

Hello RandomHello(SplitMix64& rng) {
  Hello m{RandomText(rng, kMaxDeviceNameLen),
          RandomText(rng, kMaxClientFieldLen),
          RandomText(rng, kMaxClientFieldLen),
          rng.Next(),
          {}};
  for (std::uint64_t i = rng.Below(kMaxHelloAddresses + 1); i > 0; --i) {
    m.addresses.push_back(RandomText(rng, kMaxAddressLen));
  }
  return m;
}

ClusterConfig RandomClusterConfig(SplitMix64& rng) {
  ClusterConfig m;
  for (std::uint64_t i = rng.Below(4); i > 0; --i) {
    FolderShare f{
        RandomText(rng, kMaxFolderIdLen), RandomText(rng, kMaxFolderLabelLen), rng.Next(), {}};
    for (std::uint64_t j = rng.Below(4); j > 0; --j) {
      DeviceId::Key key;
      for (auto& b : key) b = static_cast<std::uint8_t>(rng.Next());
      f.devices.push_back({DeviceId(key), rng.Next(), NonNegative(rng)});
    }
    m.folders.push_back(std::move(f));
  }
  return m;
}

Index RandomIndex(SplitMix64& rng) {
  Index m;
  m.folder = RandomText(rng, kMaxFolderIdLen);
  for (std::uint64_t i = rng.Below(5); i > 0; --i) m.files.push_back(RandomFileInfo(rng));
  return m;
}

IndexUpdate RandomIndexUpdate(SplitMix64& rng) {
  IndexUpdate m;
  static_cast<Index&>(m) = RandomIndex(rng);
  return m;
}

Request RandomRequest(SplitMix64& rng) {
  return {static_cast<std::uint32_t>(rng.Next()),
          RandomText(rng, kMaxFolderIdLen),
          RandomText(rng, kMaxNameLen),
          NonNegative(rng),
          static_cast<std::uint32_t>(1 + rng.Below(kMaxBlockSize)),
          RandomHash(rng)};
}

Response RandomResponse(SplitMix64& rng) {
  Response m;
  m.request_id = static_cast<std::uint32_t>(rng.Next());
  m.code = static_cast<ResponseCode>(rng.Below(5));
  if (m.code == ResponseCode::kOk) {
    m.data = shoal::testing::RandomBytes(rng.Below(300), rng.Next());
    m.offset = static_cast<std::uint32_t>(rng.Below(kMaxBlockSize - m.data.size() + 1));
  }
  return m;
}

Close RandomClose(SplitMix64& rng) {
  return {static_cast<CloseReason>(rng.Below(256)), RandomText(rng, kMaxCloseTextLen)};
}

PairingValue RandomPairingValue(SplitMix64& rng) {
  PairingValue value{};
  for (std::uint8_t& byte : value) byte = static_cast<std::uint8_t>(rng.Next());
  return value;
}

PairAccept RandomPairAccept(SplitMix64& rng) {
  PairAccept m;
  m.device_name = RandomText(rng, kMaxDeviceNameLen);
  m.value = RandomPairingValue(rng);
  return m;
}

PairReveal RandomPairReveal(SplitMix64& rng) { return {RandomPairingValue(rng)}; }

Punch RandomPunch(SplitMix64& rng) {
  Punch m;
  m.stage = static_cast<PunchStage>(rng.Below(3));
  m.round = static_cast<std::uint32_t>(rng.Next());
  if (m.stage != PunchStage::kFail) {
    for (std::uint64_t i = rng.Below(kMaxPunchEndpoints + 1); i > 0; --i) {
      m.endpoints.push_back(RandomText(rng, kMaxAddressLen));
    }
  }
  return m;
}

}  // namespace shoal::net::wire::testing
