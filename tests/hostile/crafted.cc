#include "tests/hostile/crafted.h"

#include "net/wire/field_codec.h"
#include "net/wire/messages.h"
#include "tests/hostile/victim.h"

namespace shoal::hostile {

Bytes EncodedEntry(const FileInfo& file) {
  net::wire::Index one;
  one.files.push_back(file);
  Bytes encoded = net::wire::Encode(one);
  // Drop the empty folder ID (one byte) and the count 1 (one byte).
  return Bytes(encoded.begin() + 2, encoded.end());
}

Bytes IndexBody(const std::string& folder, std::size_t count, ByteSpan entry) {
  Bytes body;
  net::wire::AppendString(body, folder);
  AppendVarint(body, count);
  body.reserve(body.size() + count * entry.size());
  for (std::size_t i = 0; i < count; ++i) body.insert(body.end(), entry.begin(), entry.end());
  return body;
}

FileInfo MinimalFile(const std::string& name) {
  FileInfo file;
  file.name = name;
  file.type = FileType::kFile;
  return file;
}

FileInfo Announced(const std::string& name, std::int64_t sequence) {
  FileInfo f = MinimalFile(name);
  f.sequence = sequence;
  f.version.Set(MalloryIdentity().device_id().ShortId(),
                1000 + static_cast<std::uint64_t>(sequence));
  f.permissions = 0644;
  return f;
}

std::optional<BlockRef> AnnouncedBlock(HostilePeer& mallory, const std::string& name) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = mallory.Await(net::wire::RecordType::kIndex, 5s);
    if (!message) continue;
    auto index = net::wire::DecodeIndex(message->body);
    if (!index) continue;
    for (const FileInfo& f : index->files) {
      if (f.name == name && !f.blocks.empty()) return f.blocks[0];
    }
  }
  return std::nullopt;
}

}  // namespace shoal::hostile
