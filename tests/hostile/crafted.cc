#include "tests/hostile/crafted.h"

#include "net/wire/field_codec.h"
#include "net/wire/messages.h"

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

}  // namespace shoal::hostile
