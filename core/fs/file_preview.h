// FilePreview: the head of one file in a folder, for showing the two sides
// of a conflict next to each other (the control API's `file-preview`,
// docs/api.md). It reads only through the folder's FileSystem, so a name
// cannot leave the folder: "..", "." and empty components are refused
// before anything is opened, and PosixFileSystem resolves every path
// beneath the root without following any symlink (a final symlink is
// described, never read through). At most `max_bytes` are read, whatever
// the file's size. Thread: any, as the FileSystem allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/base/result.h"
#include "core/fs/file_system.h"

namespace shoal {

// The largest preview a caller may ask for.
inline constexpr std::size_t kMaxPreviewBytes = 64 * 1024;

struct FilePreview {
  EntryKind kind = EntryKind::kFile;
  std::int64_t size = 0;  // bytes on disk (a symlink: its target's length)
  std::int64_t mtime_ns = 0;
  // A regular file whose head is valid UTF-8 without NUL bytes (a UTF-8
  // sequence cut by the cap does not count against it): `content` holds it.
  bool text = false;
  bool truncated = false;  // the file is longer than what `content` shows
  std::string content;     // empty unless `text`
};

// The preview of `path` (relative to the folder root). kInvalidArgument for
// a name that is not one entry below the root; kUnauthorized when the path
// passes through a symlink; kNotFound when nothing is there.
Result<FilePreview> ReadFilePreview(FileSystem& fs, const std::string& path,
                                    std::size_t max_bytes = kMaxPreviewBytes);

}  // namespace shoal
