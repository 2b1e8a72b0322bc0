#include "core/fs/file_preview.h"

#include <algorithm>
#include <span>
#include <vector>

#include "core/base/utf8.h"

namespace shoal {
namespace {

// Bytes at the end of `head` that start a UTF-8 sequence the cap cut short
// (at most 3); 0 when the last sequence is complete or not UTF-8 at all.
std::size_t CutSequence(std::string_view head) {
  for (std::size_t back = 1; back <= std::min<std::size_t>(3, head.size()); ++back) {
    const auto byte = static_cast<unsigned char>(head[head.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    std::size_t length = 0;
    if ((byte & 0xE0) == 0xC0) length = 2;
    if ((byte & 0xF0) == 0xE0) length = 3;
    if ((byte & 0xF8) == 0xF0) length = 4;
    return length > back ? back : 0;
  }
  return 0;
}

bool LooksLikeText(std::string_view head) {
  return head.find('\0') == std::string_view::npos && IsValidUtf8(head);
}

}  // namespace

Result<FilePreview> ReadFilePreview(FileSystem& fs, const std::string& path,
                                    std::size_t max_bytes) {
  if (auto ok = CheckEntryPath(path, "preview"); !ok) return ok.error();
  auto st = fs.Lstat(path);
  if (!st) return st.error();
  FilePreview preview;
  preview.kind = st->kind;
  preview.size = st->size;
  preview.mtime_ns = st->mtime_ns;
  if (st->kind != EntryKind::kFile) return preview;  // a link, a directory: described only
  auto file = fs.OpenRead(path);
  if (!file) return file.error();
  const std::size_t cap = std::min(max_bytes, kMaxPreviewBytes);
  // One byte past the cap tells a file of exactly `cap` bytes from a longer one.
  std::vector<std::uint8_t> buffer(cap + 1);
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    auto got = (*file)->Read(std::span(buffer).subspan(filled));
    if (!got) return got.error();
    if (*got == 0) break;
    filled += *got;
  }
  preview.truncated = filled > cap;
  std::string head(reinterpret_cast<const char*>(buffer.data()), std::min(filled, cap));
  if (preview.truncated) head.resize(head.size() - CutSequence(head));
  preview.text = LooksLikeText(head);
  if (preview.text) preview.content = std::move(head);
  return preview;
}

}  // namespace shoal
