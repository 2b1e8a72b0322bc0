// Codec of ClusterConfig: the folders shared with the receiving device.
#include "net/wire/field_codec.h"
#include "net/wire/messages.h"

namespace shoal::net::wire {
namespace {

// Smallest encodings, for bounding counts before reserving.
constexpr std::size_t kMinFolderDeviceSize = DeviceId::kSize + 8 + 1;
constexpr std::size_t kMinFolderSize = 1 + 1 + 8 + 1;

Result<FolderDevice> DecodeFolderDevice(ByteReader& reader) {
  FolderDevice d;
  auto key = reader.ReadBytes(DeviceId::kSize);
  if (!key) return ProtocolError(key.error(), "device ID");
  d.device = DeviceId::FromBytes(*key).value();  // exactly kSize bytes
  auto index_id = ReadBigEndian64(reader, "index ID");
  if (!index_id) return index_id.error();
  d.index_id = *index_id;
  auto max_sequence = ReadNonNegative(reader, "max sequence");
  if (!max_sequence) return max_sequence.error();
  d.max_sequence = *max_sequence;
  return d;
}

Result<FolderShare> DecodeFolder(ByteReader& reader) {
  FolderShare f;
  auto id = ReadString(reader, kMaxFolderIdLen, "folder ID");
  if (!id) return id.error();
  f.id = std::move(*id);
  auto label = ReadString(reader, kMaxFolderLabelLen, "label");
  if (!label) return label.error();
  f.label = std::move(*label);
  auto seed = ReadBigEndian64(reader, "hash seed");
  if (!seed) return seed.error();
  f.hash_seed = *seed;
  auto count = ReadCount(reader, kMinFolderDeviceSize, "device count");
  if (!count) return count.error();
  if (*count > kMaxFolderDevices) {
    return Fail(ErrorCode::kProtocol, std::to_string(*count) + " devices, more than the " +
                                          std::to_string(kMaxFolderDevices) + " allowed");
  }
  f.devices.reserve(ReserveHint(*count));
  for (std::size_t i = 0; i < *count; ++i) {
    auto device = DecodeFolderDevice(reader);
    if (!device) return device.error().Wrap("device " + std::to_string(i));
    f.devices.push_back(*device);
  }
  return f;
}

}  // namespace

Bytes Encode(const ClusterConfig& message) {
  Bytes out;
  AppendVarint(out, message.folders.size());
  for (const FolderShare& f : message.folders) {
    AppendString(out, f.id);
    AppendString(out, f.label);
    AppendBigEndian64(out, f.hash_seed);
    AppendVarint(out, f.devices.size());
    for (const FolderDevice& d : f.devices) {
      out.insert(out.end(), d.device.bytes().begin(), d.device.bytes().end());
      AppendBigEndian64(out, d.index_id);
      AppendVarint(out, static_cast<std::uint64_t>(d.max_sequence));
    }
  }
  return out;
}

Result<ClusterConfig> DecodeClusterConfig(ByteSpan body) {
  ByteReader reader(body);
  ClusterConfig m;
  auto count = ReadCount(reader, kMinFolderSize, "ClusterConfig: folder count");
  if (!count) return count.error();
  if (*count > kMaxClusterFolders) {
    return Fail(ErrorCode::kProtocol, "ClusterConfig: " + std::to_string(*count) +
                                          " folders, more than the " +
                                          std::to_string(kMaxClusterFolders) + " allowed");
  }
  m.folders.reserve(ReserveHint(*count));
  for (std::size_t i = 0; i < *count; ++i) {
    auto folder = DecodeFolder(reader);
    if (!folder) return folder.error().Wrap("ClusterConfig: folder " + std::to_string(i));
    m.folders.push_back(std::move(*folder));
  }
  if (auto end = ExpectEnd(reader, "ClusterConfig"); !end) return end.error();
  return m;
}

}  // namespace shoal::net::wire
