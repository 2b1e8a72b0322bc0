// Codec of Index and IndexUpdate: a folder ID and a batch of FileInfo.
#include "net/wire/field_codec.h"
#include "net/wire/messages.h"

namespace shoal::net::wire {
namespace {

constexpr std::uint8_t kFileFlagDeleted = 0x01;
// The block list is a delta (docs/protocol.md "Block-list deltas"): the base
// version and the kept prefix and suffix come before the block count.
constexpr std::uint8_t kFileFlagBlockDelta = 0x02;
constexpr std::uint32_t kMaxPermissions = 07777;
// Smallest encodings, for bounding counts before reserving.
constexpr std::size_t kMinFileInfoSize = 17;
constexpr std::size_t kMinBlockSize = 1 + 16;
// Names and link targets up to this size decode, whatever their bytes; the
// receiver refuses the entry when one breaks the rules (longer than 4096
// bytes, NUL, not UTF-8, ...), and the rest of the batch still applies.
constexpr std::size_t kMaxEntryTextLen = 65'536;

void EncodeFileInfo(Bytes& out, const FileInfo& f) {
  AppendString(out, f.name);
  AppendU8(out, static_cast<std::uint8_t>(f.type));
  AppendU8(out, static_cast<std::uint8_t>((f.deleted ? kFileFlagDeleted : 0) |
                                          (f.blocks_delta ? kFileFlagBlockDelta : 0)));
  AppendVarint(out, static_cast<std::uint64_t>(f.size));
  AppendBigEndian64(out, static_cast<std::uint64_t>(f.mtime_ns));
  AppendVarint(out, f.permissions);
  f.version.EncodeTo(out);
  AppendVarint(out, static_cast<std::uint64_t>(f.sequence));
  if (f.blocks_delta) {
    AppendString(out, f.blocks_delta->base_name);
    f.blocks_delta->base.EncodeTo(out);
    AppendVarint(out, f.blocks_delta->keep_prefix);
    AppendVarint(out, f.blocks_delta->keep_suffix);
  }
  AppendVarint(out, f.blocks.size());
  for (const BlockRef& b : f.blocks) {
    AppendVarint(out, b.size);
    out.insert(out.end(), b.hash.bytes.begin(), b.hash.bytes.end());
  }
  AppendString(out, f.symlink_target);
}

Result<void> DecodeBlocks(ByteReader& reader, std::vector<BlockRef>& blocks) {
  auto count = ReadCount(reader, kMinBlockSize, "block count");
  if (!count) return count.error();
  // No encoder sends more (IndexEntrySizeBound): refused before decoding
  // a single block, so a list near the message cap costs nothing.
  if (*count > kMaxFileBlocks) {
    return Fail(ErrorCode::kProtocol, std::to_string(*count) + " blocks, more than the " +
                                          std::to_string(kMaxFileBlocks) + " an entry may carry");
  }
  blocks.reserve(ReserveHint(*count));
  for (std::size_t i = 0; i < *count; ++i) {
    auto size = ReadVarint(reader, "block size");
    if (!size) return size.error();
    if (*size == 0 || *size > kMaxBlockSize) {
      return Fail(ErrorCode::kProtocol, "block size " + std::to_string(*size) + " outside 1.." +
                                            std::to_string(kMaxBlockSize));
    }
    auto hash = reader.ReadBytes(16);
    if (!hash) return ProtocolError(hash.error(), "block hash");
    BlockRef b;
    b.size = static_cast<std::uint32_t>(*size);
    std::copy(hash->begin(), hash->end(), b.hash.bytes.begin());
    blocks.push_back(b);
  }
  return {};
}

// The base version and kept counts of a delta; that they fit the base is the
// receiver's check (it holds the base), not the codec's.
Result<void> DecodeBlockDelta(ByteReader& reader, BlockListDelta& delta) {
  auto base_name = ReadUncheckedString(reader, kMaxEntryTextLen, "delta base name");
  if (!base_name) return base_name.error();
  delta.base_name = std::move(*base_name);
  auto base = VersionVector::DecodeFrom(reader);
  if (!base) return ProtocolError(base.error(), "delta base version");
  delta.base = std::move(*base);
  auto prefix = ReadVarint(reader, "delta prefix");
  if (!prefix) return prefix.error();
  auto suffix = ReadVarint(reader, "delta suffix");
  if (!suffix) return suffix.error();
  if (*prefix > kMaxFileBlocks || *suffix > kMaxFileBlocks) {
    return Fail(ErrorCode::kProtocol, "a delta keeps more blocks than a file may have");
  }
  delta.keep_prefix = *prefix;
  delta.keep_suffix = *suffix;
  return {};
}

// Reads the fields after the name; split from DecodeFileInfo to keep both short.
Result<void> DecodeAttributes(ByteReader& reader, FileInfo& f) {
  auto type = ReadU8(reader, "type");
  if (!type) return type.error();
  if (*type > static_cast<std::uint8_t>(FileType::kSymlink)) {
    return Fail(ErrorCode::kProtocol, "unknown file type " + std::to_string(*type));
  }
  f.type = static_cast<FileType>(*type);
  auto flags = ReadU8(reader, "flags");
  if (!flags) return flags.error();
  if ((*flags & ~(kFileFlagDeleted | kFileFlagBlockDelta)) != 0) {
    return Fail(ErrorCode::kProtocol, "unknown file flags");
  }
  f.deleted = (*flags & kFileFlagDeleted) != 0;
  if ((*flags & kFileFlagBlockDelta) != 0) f.blocks_delta.emplace();
  auto size = ReadNonNegative(reader, "size");
  if (!size) return size.error();
  f.size = *size;
  auto mtime = ReadBigEndian64(reader, "mtime");
  if (!mtime) return mtime.error();
  f.mtime_ns = static_cast<std::int64_t>(*mtime);
  auto permissions = ReadVarint(reader, "permissions");
  if (!permissions) return permissions.error();
  if (*permissions > kMaxPermissions) return Fail(ErrorCode::kProtocol, "permissions > 07777");
  f.permissions = static_cast<std::uint32_t>(*permissions);
  return {};
}

Result<FileInfo> DecodeFileInfo(ByteReader& reader) {
  FileInfo f;
  auto name = ReadUncheckedString(reader, kMaxEntryTextLen, "name");
  if (!name) return name.error();
  f.name = std::move(*name);
  if (auto ok = DecodeAttributes(reader, f); !ok) return ok.error().Wrap(f.name);
  auto version = VersionVector::DecodeFrom(reader);
  if (!version) return ProtocolError(version.error(), f.name);
  f.version = std::move(*version);
  auto sequence = ReadNonNegative(reader, "sequence");
  if (!sequence) return sequence.error().Wrap(f.name);
  f.sequence = *sequence;
  if (f.blocks_delta) {
    if (auto ok = DecodeBlockDelta(reader, *f.blocks_delta); !ok) return ok.error().Wrap(f.name);
  }
  if (auto ok = DecodeBlocks(reader, f.blocks); !ok) return ok.error().Wrap(f.name);
  auto target = ReadUncheckedString(reader, kMaxEntryTextLen, "symlink target");
  if (!target) return target.error().Wrap(f.name);
  f.symlink_target = std::move(*target);
  return f;
}

Result<void> DecodeBatch(ByteSpan body, Index& m) {
  ByteReader reader(body);
  auto folder = ReadString(reader, kMaxFolderIdLen, "folder ID");
  if (!folder) return folder.error();
  m.folder = std::move(*folder);
  auto count = ReadCount(reader, kMinFileInfoSize, "file count");
  if (!count) return count.error();
  if (*count > kMaxIndexEntries) {
    return Fail(ErrorCode::kProtocol, std::to_string(*count) + " entries, more than the " +
                                          std::to_string(kMaxIndexEntries) +
                                          " one message may carry");
  }
  m.files.reserve(ReserveHint(*count));
  for (std::size_t i = 0; i < *count; ++i) {
    auto file = DecodeFileInfo(reader);
    if (!file) return file.error().Wrap("file " + std::to_string(i));
    m.files.push_back(std::move(*file));
  }
  return ExpectEnd(reader, "batch");
}

}  // namespace

Bytes Encode(const Index& message) {
  Bytes out;
  AppendString(out, message.folder);
  AppendVarint(out, message.files.size());
  for (const FileInfo& f : message.files) EncodeFileInfo(out, f);
  return out;
}

Bytes Encode(const IndexUpdate& message) { return Encode(static_cast<const Index&>(message)); }

Result<Index> DecodeIndex(ByteSpan body) {
  Index m;
  if (auto ok = DecodeBatch(body, m); !ok) return ProtocolError(ok.error(), "Index");
  return m;
}

Result<IndexUpdate> DecodeIndexUpdate(ByteSpan body) {
  IndexUpdate m;
  if (auto ok = DecodeBatch(body, m); !ok) return ProtocolError(ok.error(), "IndexUpdate");
  return m;
}

}  // namespace shoal::net::wire
